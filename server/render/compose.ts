/** A map sheet as SVG: title band, the map frame (one <path> per style class, clipped to the frame), and the
 *  panel under it with scale bar, north arrow, legend and the copyright and licence statements. Pure: the scene
 *  comes from server/render/scene.ts; sizes are in sheet pixels at the sheet's dpi. */
import { metresPerPixel, pxPerMm, scaleBarMetres, type Box, type Sheet } from './layout.ts';
import { areaAttrs, circlesPath, escapeXml, num, pointAttrs, type Paint } from './style.ts';
import { textPath, textWidth, wrapText } from './text.ts';

export interface SceneClass {
  id: string;
  /** legend label; no legend entry when absent */
  label?: string;
  kind: 'area' | 'point';
  paint: Paint;
  /** path data in frame pixels */
  d: string | null;
  /** points in frame pixels */
  pts: Array<[number, number]> | null;
}

export interface SceneLabel {
  x: number;
  y: number;
  text: string;
}

export interface MapScene {
  sheet: Sheet;
  scale: number;
  extent: Box;
  title: string;
  /** lines under the title: case reference, address */
  subtitle: string[];
  /** top right of the title band: the authority */
  authority: string;
  classes: SceneClass[];
  /** numbered markers (neighbour maps), in frame pixels */
  labels: SceneLabel[];
  /** copyright and licence statements, one per source */
  copyright: string[];
  /** what fit chose or what was asked, e.g. "fit to the site" */
  scaleNote?: string;
}

const pt = (sheet: Sheet, points: number) => (points * sheet.dpi) / 72;

/** Where things are on the sheet, in sheet pixels: the map frame, the panel's top left, the panel's small type. */
interface Geometry {
  sheet: Sheet;
  /** pixels per mm */
  k: number;
  fx: number;
  fy: number;
  fw: number;
  fh: number;
  px0: number;
  py0: number;
  small: number;
}

/** What is drawn on the sheet outside the map: filled shapes, and text outlines (one path at the end). */
interface Ink {
  shapes: string[];
  text: string[];
}

function geometryOf(sheet: Sheet): Geometry {
  const k = pxPerMm(sheet.dpi);
  return {
    sheet,
    k,
    fx: sheet.frame.x * k,
    fy: sheet.frame.y * k,
    fw: sheet.frame.w * k,
    fh: sheet.frame.h * k,
    px0: sheet.panel.x * k,
    py0: sheet.panel.y * k + 4 * k,
    small: pt(sheet, 7.5),
  };
}

/** The map: one <path> per style class, clipped to the frame, the numbered labels, and the frame's border. */
function mapFrame(scene: MapScene, g: Geometry): string[] {
  const { sheet, k, fx, fy, fw, fh } = g;
  const out = [`<g transform="translate(${num(fx)} ${num(fy)})" clip-path="url(#frame)">`];
  for (const c of scene.classes) {
    if (c.d) out.push(`<path class="${escapeXml(c.id)}" ${areaAttrs(c.paint)} d="${c.d}"/>`);
    if (c.pts?.length)
      out.push(`<path class="${escapeXml(c.id)}" ${pointAttrs(c.paint)} d="${circlesPath(c.pts, c.paint.radius)}"/>`);
  }
  if (scene.labels.length) {
    const size = pt(sheet, 7);
    const d = scene.labels.map((l) => textPath(l.text, l.x, l.y + size * 0.35, size, { weight: 'bold' })).join('');
    out.push(
      `<path class="label-halo" fill="none" stroke="#ffffff" stroke-width="${num(size * 0.25)}" stroke-linejoin="round" d="${d}"/>`,
    );
    out.push(`<path class="label" fill="#000000" d="${d}"/>`);
  }
  out.push('</g>');
  out.push(
    `<rect x="${num(fx)}" y="${num(fy)}" width="${num(fw)}" height="${num(fh)}" fill="none" stroke="#000000" stroke-width="${num(0.3 * k)}"/>`,
  );
  return out;
}

/** Title band: the title, the authority (top right), and up to two lines of subtitle. */
function titleBand(scene: MapScene, g: Geometry, ink: Ink): void {
  const { sheet, k, fx, fw } = g;
  const titleSize = pt(sheet, 14);
  const subSize = pt(sheet, 9.5);
  const tx = sheet.marginMm * k;
  let ty = sheet.marginMm * k + titleSize;
  ink.text.push(textPath(scene.title, tx, ty, titleSize, { weight: 'bold' }));
  ink.text.push(textPath(scene.authority, fx + fw, ty, subSize, { anchor: 'end' }));
  for (const line of scene.subtitle.slice(0, 2)) {
    ty += subSize * 1.45;
    ink.text.push(textPath(fitLine(line, subSize, fw), tx, ty, subSize));
  }
}

const GRID = 'British National Grid (EPSG:27700)';

/** Scale bar (left of the panel), with the scale and the grid stated under it. Returns the block's width. */
function scaleBar(scene: MapScene, g: Geometry, ink: Ink): number {
  const { sheet, k, px0, py0, small } = g;
  const res = metresPerPixel(scene.scale, sheet.dpi);
  const barM = scaleBarMetres(sheet, scene.scale);
  const barPx = barM / res;
  const barH = 1.6 * k;
  const barY = py0 + small * 1.6;
  const segs = 4;
  for (let i = 0; i < segs; i++) {
    const x = px0 + (barPx * i) / segs;
    ink.shapes.push(
      `<rect x="${num(x)}" y="${num(barY)}" width="${num(barPx / segs)}" height="${num(barH)}" fill="${i % 2 ? '#ffffff' : '#000000'}" stroke="#000000" stroke-width="${num(0.15 * k)}"/>`,
    );
  }
  ink.text.push(textPath('0', px0, barY - small * 0.4, small, { anchor: 'middle' }));
  ink.text.push(textPath(String(barM / 2), px0 + barPx / 2, barY - small * 0.4, small, { anchor: 'middle' }));
  ink.text.push(textPath(`${barM} m`, px0 + barPx, barY - small * 0.4, small, { anchor: 'start' }));
  const scaleLine = `Scale 1:${scene.scale.toLocaleString('en-GB')} at ${sheet.paper} ${sheet.orientation}${scene.scaleNote ? ` (${scene.scaleNote})` : ''}`;
  ink.text.push(textPath(scaleLine, px0, barY + barH + small * 1.5, small));
  ink.text.push(textPath(GRID, px0, barY + barH + small * 2.9, small));
  return (
    Math.max(barPx + textWidth(`${barM} m`, small) + 2 * k, textWidth(scaleLine, small), textWidth(GRID, small)) + 6 * k
  );
}

/** Grid north arrow, top right of the panel. Returns its left edge (the legend stops there). */
function northArrow(g: Geometry, ink: Ink): number {
  const { k, fx, fw, py0, small } = g;
  const na = 9 * k;
  const nx = fx + fw - na * 0.6;
  const ny = py0 + small * 1.2;
  ink.shapes.push(
    `<path d="M${num(nx)} ${num(ny)}L${num(nx - na * 0.32)} ${num(ny + na)}L${num(nx)} ${num(ny + na * 0.72)}Z" fill="#000000"/>`,
    `<path d="M${num(nx)} ${num(ny)}L${num(nx + na * 0.32)} ${num(ny + na)}L${num(nx)} ${num(ny + na * 0.72)}Z" fill="#ffffff" stroke="#000000" stroke-width="${num(0.2 * k)}"/>`,
  );
  ink.text.push(textPath('N', nx, ny + na + small * 1.3, small, { anchor: 'middle', weight: 'bold' }));
  return nx - na;
}

/** Copyright and licence, wrapped, at the foot of the panel. Returns the top of the block (the legend stops above). */
function copyrightBlock(scene: MapScene, g: Geometry, ink: Ink): number {
  const { sheet, k, px0, fw } = g;
  const tiny = pt(sheet, 6.5);
  const lines = scene.copyright.flatMap((s) => wrapText(s, tiny, fw));
  const maxLines = 5;
  const foot = sheet.panel.y * k + sheet.panel.h * k;
  let cy = foot - tiny * 0.6 - (Math.min(lines.length, maxLines) - 1) * tiny * 1.3;
  const copyrightTop = lines.length ? cy - tiny * 1.3 : foot;
  for (const line of lines.slice(0, maxLines)) {
    ink.text.push(textPath(line, px0, cy, tiny));
    cy += tiny * 1.3;
  }
  return copyrightTop;
}

/** The legend's columns: as few as fit above the copyright lines (at most four), labels wrapped to their column. */
function legendLayout(legend: SceneClass[], g: Geometry, lw: number, height: number) {
  const { k, small } = g;
  const rowH = small * 1.7;
  const lineH = small * 1.2;
  const sw = 6 * k;
  const layout = (cols: number) => {
    const colW = lw / cols;
    const perCol = Math.ceil(legend.length / cols);
    const wrapped = legend.map((c) => twoLines(c.label!, small, colW - sw - 3 * k));
    const heights = Array.from({ length: cols }, (_, col) =>
      wrapped.slice(col * perCol, (col + 1) * perCol).reduce((h, w) => h + rowH + (w.length - 1) * lineH, 0),
    );
    return { colW, perCol, wrapped, height: Math.max(0, ...heights) };
  };
  let cols = legend.length > 4 ? 2 : 1;
  let lay = layout(cols);
  while (cols < 4 && lay.height > height) lay = layout(++cols);
  return { ...lay, rowH, lineH, sw };
}

/** The key: between the scale bar block and the north arrow, a swatch and a label (one or two lines) per class. */
function legendBlock(scene: MapScene, g: Geometry, ink: Ink, box: { left: number; right: number; bottom: number }) {
  const { k, py0, small } = g;
  const legend = scene.classes.filter((c) => c.label);
  const lx0 = box.left;
  const top = py0 + small * 1.6;
  const lay = legendLayout(legend, g, box.right - lx0, box.bottom - top);
  const sh = small * 1.1;
  ink.text.push(textPath('Key', lx0, py0 + small, small, { weight: 'bold' }));
  let y = top;
  legend.forEach((c, i) => {
    const col = Math.floor(i / lay.perCol);
    if (i % lay.perCol === 0) y = top;
    const x = lx0 + col * lay.colW;
    const label = lay.wrapped[i]!;
    if (c.kind === 'point')
      ink.shapes.push(
        `<path ${pointAttrs(c.paint)} d="${circlesPath([[x + lay.sw / 2, y + sh / 2]], Math.min(c.paint.radius, sh / 2))}"/>`,
      );
    else
      ink.shapes.push(
        `<rect x="${num(x)}" y="${num(y)}" width="${num(lay.sw)}" height="${num(sh)}" ${areaAttrs(c.paint)}/>`,
      );
    label.forEach((line, j) => ink.text.push(textPath(line, x + lay.sw + 2 * k, y + sh * 0.85 + j * lay.lineH, small)));
    y += lay.rowH + (label.length - 1) * lay.lineH;
  });
}

export function composeSvg(scene: MapScene): string {
  const { sheet } = scene;
  const g = geometryOf(sheet);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${sheet.widthPx}" height="${sheet.heightPx}" viewBox="0 0 ${sheet.widthPx} ${sheet.heightPx}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<defs><clipPath id="frame"><rect x="0" y="0" width="${num(g.fw)}" height="${num(g.fh)}"/></clipPath></defs>`,
    ...mapFrame(scene, g),
  ];
  // the panel under the map: scale bar (left), legend (middle), north arrow (right), copyright (bottom, laid out
  // before the legend, which stops above it)
  const ink: Ink = { shapes: [], text: [] };
  titleBand(scene, g, ink);
  const scaleBlockW = scaleBar(scene, g, ink);
  const arrowLeft = northArrow(g, ink);
  const copyrightTop = copyrightBlock(scene, g, ink);
  legendBlock(scene, g, ink, { left: g.px0 + Math.max(scaleBlockW, 62 * g.k), right: arrowLeft, bottom: copyrightTop });
  out.push(...ink.shapes);
  out.push(`<path class="text" fill="#000000" d="${ink.text.join('')}"/>`);
  out.push('</svg>');
  return out.join('\n');
}

/** A label in at most two lines of `maxWidth` (the second cut with an ellipsis when even two are not enough). */
function twoLines(label: string, size: number, maxWidth: number): string[] {
  if (textWidth(label, size) <= maxWidth) return [label];
  const lines = wrapText(label, size, maxWidth);
  return [
    fitLine(lines[0]!, size, maxWidth),
    ...(lines.length > 1 ? [fitLine(lines.slice(1).join(' '), size, maxWidth)] : []),
  ];
}

/** Cuts a line to `maxWidth`, ending it with an ellipsis. */
function fitLine(line: string, size: number, maxWidth: number): string {
  if (textWidth(line, size) <= maxWidth) return line;
  let s = line;
  while (s.length > 1 && textWidth(`${s}…`, size) > maxWidth) s = s.slice(0, -1);
  return `${s.trimEnd()}…`;
}
