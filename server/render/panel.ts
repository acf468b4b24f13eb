/** The panel under the map: where the key and the copyright statement go, as boxes (issue 14 item 4). Pure.
 *  - The copyright statement is never cut: it is wrapped to the panel's width in 6.5 pt, or 5.5 pt when that takes
 *    more than four lines, at the foot of the panel.
 *  - The key sits between the scale bar block and the north arrow, above the copyright. Its labels are wrapped, never
 *    cut: the largest type (7.5, 6.5, then 5.5 pt) and the fewest columns (up to six) at which every entry fits are
 *    chosen. When none fits, the panel is too small: planFrame (scene.ts) gives the key a taller panel (the map frame
 *    gets shorter; the scale does not change) before the map is drawn.
 *  Sizes are sheet pixels. */
import { metresPerPixel, pxPerMm, scaleBarMetres, type Sheet } from './layout.ts';
import { textWidth, wrapText } from './text.ts';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PlacedLine {
  text: string;
  /** baseline start */
  x: number;
  y: number;
}

export interface KeyEntryLayout {
  /** the swatch's box */
  swatch: Rect;
  lines: PlacedLine[];
  /** swatch and label together */
  box: Rect;
}

export interface PanelLayout {
  copyright: { size: number; lines: PlacedLine[]; box: Rect | null };
  key: { size: number; heading: PlacedLine; area: Rect; entries: KeyEntryLayout[]; fits: boolean };
}

export const pt = (sheet: Sheet, points: number) => (points * sheet.dpi) / 72;

const KEY_SIZES = [7.5, 6.5, 5.5];
const MAX_COLUMNS = 6;

/** The copyright statement wrapped at the foot of the panel. */
export function copyrightLayout(sheet: Sheet, copyright: string[]): PanelLayout['copyright'] {
  const k = pxPerMm(sheet.dpi);
  const x = sheet.panel.x * k;
  const width = sheet.panel.w * k;
  let size = pt(sheet, 6.5);
  let lines = copyright.flatMap((s) => wrapText(s, size, width));
  if (lines.length > 4) {
    size = pt(sheet, 5.5);
    lines = copyright.flatMap((s) => wrapText(s, size, width));
  }
  if (!lines.length) return { size, lines: [], box: null };
  const lineH = size * 1.3;
  const foot = (sheet.panel.y + sheet.panel.h) * k;
  const first = foot - size * 0.6 - (lines.length - 1) * lineH;
  const placed = lines.map((text, i) => ({ text, x, y: first + i * lineH }));
  const w = Math.max(...lines.map((l) => textWidth(l, size)));
  return { size, lines: placed, box: { x, y: first - size, w, h: (lines.length - 1) * lineH + size * 1.25 } };
}

/** The key's entries placed in columns within `area` at the first type size and column count at which all fit. */
export function keyLayout(sheet: Sheet, labels: string[], area: Rect): PanelLayout['key'] {
  const k = pxPerMm(sheet.dpi);
  const sw = 6 * k;
  const gap = 2 * k;
  let last: PanelLayout['key'] | null = null;
  for (const points of KEY_SIZES) {
    const size = pt(sheet, points);
    const heading = { text: 'Key', x: area.x, y: area.y + size };
    const top = area.y + size * 1.6;
    for (let cols = 1; cols <= MAX_COLUMNS; cols++) {
      const colW = area.w / cols;
      const textW = colW - sw - gap - k;
      const words = labels.flatMap((l) => l.split(/\s+/));
      if (words.some((w) => textWidth(w, size) > textW)) continue;
      const sh = size * 1.1;
      const lineH = size * 1.2;
      const rowGap = size * 0.6;
      const entries: KeyEntryLayout[] = [];
      let col = 0;
      let y = top;
      let fits = true;
      for (const label of labels) {
        const lines = wrapText(label, size, textW);
        const h = sh + (lines.length - 1) * lineH;
        if (y + h > area.y + area.h && y > top) {
          col++;
          y = top;
        }
        if (col >= cols || y + h > area.y + area.h) fits = false;
        const x = area.x + col * colW;
        const tx = x + sw + gap;
        const placed = lines.map((text, j) => ({ text, x: tx, y: y + sh * 0.85 + j * lineH }));
        const w = sw + gap + Math.max(...lines.map((l) => textWidth(l, size)));
        entries.push({ swatch: { x, y, w: sw, h: sh }, lines: placed, box: { x, y, w, h } });
        y += h + rowGap;
      }
      last = { size, heading, area, entries, fits };
      if (fits) return last;
    }
  }
  return (
    last ?? { size: pt(sheet, 7.5), heading: { text: 'Key', x: area.x, y: area.y }, area, entries: [], fits: true }
  );
}

export const GRID = 'British National Grid (EPSG:27700)';

/** The line under the scale bar: "Scale 1:1,250 at A4 portrait (fitted to the site)". */
export const scaleLineOf = (sheet: Sheet, scale: number, note?: string) =>
  `Scale 1:${scale.toLocaleString('en-GB')} at ${sheet.paper} ${sheet.orientation}${note ? ` (${note})` : ''}`;

/** Width of the scale bar block at the left of the panel (bar, its labels, the scale line and the grid). */
export function scaleBlockWidth(sheet: Sheet, scale: number, note?: string): number {
  const k = pxPerMm(sheet.dpi);
  const small = pt(sheet, 7.5);
  const barM = scaleBarMetres(sheet, scale);
  const barPx = barM / metresPerPixel(scale, sheet.dpi);
  return (
    Math.max(
      barPx + textWidth(`${barM} m`, small) + 2 * k,
      textWidth(scaleLineOf(sheet, scale, note), small),
      textWidth(GRID, small),
    ) +
    6 * k
  );
}

/** The north arrow's left edge: 9 mm tall, 0.6 of that in from the frame's right edge, a further 9 mm for its body. */
export function arrowLeftOf(sheet: Sheet): number {
  const k = pxPerMm(sheet.dpi);
  const na = 9 * k;
  return (sheet.frame.x + sheet.frame.w) * k - na * 0.6 - na;
}

/** The whole panel: the copyright at the foot, the key above it between the scale block and the north arrow. */
export function panelLayout(sheet: Sheet, labels: string[], copyright: string[], scaleBlockW: number): PanelLayout {
  const k = pxPerMm(sheet.dpi);
  const c = copyrightLayout(sheet, copyright);
  const left = sheet.panel.x * k + Math.max(scaleBlockW, 62 * k);
  const top = sheet.panel.y * k + 4 * k;
  const bottom = (c.box ? c.box.y : (sheet.panel.y + sheet.panel.h) * k) - 0.8 * k;
  const area = { x: left, y: top, w: arrowLeftOf(sheet) - left, h: bottom - top };
  return { copyright: c, key: keyLayout(sheet, labels, area) };
}

/** A sheet whose panel is tall enough for the key and the copyright statement: the panel grows by 4 mm at a time
 *  (the map frame shrinks; the scale stays) until everything fits or the frame would drop below 55% of its height. */
export function sheetForPanel(sheet: Sheet, labels: string[], copyright: string[], scaleBlockW: number): Sheet {
  let s = sheet;
  const minFrameH = sheet.frame.h * 0.55;
  while (!panelLayout(s, labels, copyright, scaleBlockW).key.fits && s.frame.h - 4 >= minFrameH) {
    s = {
      ...s,
      frame: { ...s.frame, h: s.frame.h - 4 },
      panel: { ...s.panel, y: s.panel.y - 4, h: s.panel.h + 4 },
    };
  }
  return s;
}
