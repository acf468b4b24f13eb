/** Text for map images, drawn as glyph outlines from the bundled DejaVu fonts (server/render/fonts, Bitstream Vera
 *  licence). Outlines, not <text>, so an image never depends on the fonts a machine happens to have: the same
 *  input gives the same pixels everywhere. The PDF letters embed the same two font files. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fontkit from 'fontkit';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fonts');
export const FONT_FILES = {
  regular: path.join(dir, 'DejaVuSans.ttf'),
  bold: path.join(dir, 'DejaVuSans-Bold.ttf'),
} as const;
export type FontWeight = keyof typeof FONT_FILES;

const fonts = new Map<FontWeight, fontkit.Font>();
function font(weight: FontWeight): fontkit.Font {
  let f = fonts.get(weight);
  if (!f) {
    const opened = fontkit.openSync(FONT_FILES[weight]);
    if (!('layout' in opened)) throw new Error(`${FONT_FILES[weight]} is a font collection, not a font`);
    f = opened as fontkit.Font;
    fonts.set(weight, f);
  }
  return f;
}

/** Width of a line of text in the same units as `size` (the em size). */
export function textWidth(text: string, size: number, weight: FontWeight = 'regular'): number {
  const f = font(weight);
  return (layout(weight, text).advance / f.unitsPerEm) * size;
}

/** A laid-out line (glyphs with kerning), kept: sheets repeat the same titles, keys and copyright lines, and
 *  wrapText measures every prefix of a line. Bounded: cleared when full. */
interface Laid {
  glyphs: fontkit.Glyph[];
  positions: Array<{ xAdvance: number; xOffset: number; yOffset: number }>;
  /** sum of the advances, font units */
  advance: number;
}
const layouts = new Map<string, Laid>();
function layout(weight: FontWeight, text: string): Laid {
  const key = `${weight}\u0000${text}`;
  let laid = layouts.get(key);
  if (!laid) {
    const run = font(weight).layout(text);
    let advance = 0;
    for (const p of run.positions) advance += p.xAdvance;
    laid = {
      glyphs: run.glyphs,
      positions: run.positions.map((p) => ({ xAdvance: p.xAdvance, xOffset: p.xOffset, yOffset: p.yOffset })),
      advance,
    };
    if (layouts.size >= 5000) layouts.clear();
    layouts.set(key, laid);
  }
  return laid;
}

export type Anchor = 'start' | 'middle' | 'end';

const r2 = (n: number) => Math.round(n * 100) / 100;

/**
 * A glyph's outline at a size as SVG path data relative to its first point (after a leading absolute moveto that
 * the caller writes): coordinates rounded to 0.01 px in the glyph's own frame, so the relative steps add up exactly
 * (no drift) and the same string serves every place the glyph is drawn at that size. Kept per font, glyph and size.
 */
interface GlyphOutline {
  x0: number;
  y0: number;
  rel: string;
}
const outlines = new Map<string, GlyphOutline | null>();
function outline(weight: FontWeight, glyph: fontkit.Glyph, k: number): GlyphOutline | null {
  const key = `${weight}|${glyph.id}|${k}`;
  let o = outlines.get(key);
  if (o === undefined) {
    const cmds = glyph.path.commands;
    if (!cmds.length) o = null;
    else {
      // points in the glyph's frame, rounded (glyph space has y up: flip it); each written relative to the current
      // point, which is where the previous segment ended (after a closepath: where its contour started)
      const X = (v: number) => r2(v * k);
      const Y = (v: number) => r2(-v * k);
      const rel = (x: number, y: number) => `${r2(x - px)} ${r2(y - py)}`;
      let d = '';
      let px = 0;
      let py = 0;
      let sx = 0;
      let sy = 0;
      // the caller's absolute moveto starts the first contour
      if (cmds[0]!.command !== 'moveTo') throw new Error(`glyph ${glyph.id} does not start with a moveto`);
      const x0 = X(cmds[0]!.args[0] ?? 0);
      const y0 = Y(cmds[0]!.args[1] ?? 0);
      cmds.forEach((c, i) => {
        const a = c.args;
        switch (c.command) {
          case 'moveTo':
            if (i > 0) d += `m${rel(X(a[0]!), Y(a[1]!))}`;
            px = sx = X(a[0]!);
            py = sy = Y(a[1]!);
            return;
          case 'lineTo':
            d += `l${rel(X(a[0]!), Y(a[1]!))}`;
            px = X(a[0]!);
            py = Y(a[1]!);
            return;
          case 'quadraticCurveTo':
            d += `q${rel(X(a[0]!), Y(a[1]!))} ${rel(X(a[2]!), Y(a[3]!))}`;
            px = X(a[2]!);
            py = Y(a[3]!);
            return;
          case 'bezierCurveTo':
            d += `c${rel(X(a[0]!), Y(a[1]!))} ${rel(X(a[2]!), Y(a[3]!))} ${rel(X(a[4]!), Y(a[5]!))}`;
            px = X(a[4]!);
            py = Y(a[5]!);
            return;
          case 'closePath':
            d += 'z';
            px = sx;
            py = sy;
            return;
        }
      });
      o = { x0, y0, rel: d };
    }
    if (outlines.size >= 20_000) outlines.clear();
    outlines.set(key, o);
  }
  return o;
}

/** SVG path data for `text` with its baseline's anchor point at (x, y), y growing downwards. */
export function textPath(
  text: string,
  x: number,
  y: number,
  size: number,
  opts: { weight?: FontWeight; anchor?: Anchor } = {},
): string {
  const weight = opts.weight ?? 'regular';
  const f = font(weight);
  const k = size / f.unitsPerEm;
  const run = layout(weight, text);
  const width = run.advance * k;
  let penX = x - (opts.anchor === 'middle' ? width / 2 : opts.anchor === 'end' ? width : 0);
  const parts: string[] = [];
  run.glyphs.forEach((glyph, i) => {
    const pos = run.positions[i]!;
    const o = outline(weight, glyph, k);
    if (o) parts.push(`M${r2(penX + pos.xOffset * k + o.x0)} ${r2(y - pos.yOffset * k + o.y0)}${o.rel}`);
    penX += pos.xAdvance * k;
  });
  return parts.join('');
}

/** Breaks `text` into lines no wider than `maxWidth`, at spaces (a single over-long word keeps its own line). */
export function wrapText(text: string, size: number, maxWidth: number, weight: FontWeight = 'regular'): string[] {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      const next = line ? `${line} ${word}` : word;
      if (line && textWidth(next, size, weight) > maxWidth) {
        lines.push(line);
        line = word;
      } else line = next;
    }
    lines.push(line);
  }
  return lines;
}
