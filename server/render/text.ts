/** Text for map images, drawn as glyph outlines from the bundled DejaVu fonts (server/render/fonts, Bitstream Vera
 *  licence). Outlines, not <text>, so an image never depends on the fonts a machine happens to have: the same
 *  input gives the same pixels everywhere. The PDF letters embed the same two font files. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fontkit from 'fontkit';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fonts');
export const FONT_FILES = { regular: path.join(dir, 'DejaVuSans.ttf'), bold: path.join(dir, 'DejaVuSans-Bold.ttf') } as const;
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
  const run = f.layout(text);
  let advance = 0;
  for (const p of run.positions) advance += p.xAdvance;
  return (advance / f.unitsPerEm) * size;
}

export type Anchor = 'start' | 'middle' | 'end';

const r2 = (n: number) => Math.round(n * 100) / 100;

/** SVG path data for `text` with its baseline's anchor point at (x, y), y growing downwards. */
export function textPath(text: string, x: number, y: number, size: number, opts: { weight?: FontWeight; anchor?: Anchor } = {}): string {
  const weight = opts.weight ?? 'regular';
  const f = font(weight);
  const k = size / f.unitsPerEm;
  const run = f.layout(text);
  const width = textWidth(text, size, weight);
  let penX = x - (opts.anchor === 'middle' ? width / 2 : opts.anchor === 'end' ? width : 0);
  const parts: string[] = [];
  run.glyphs.forEach((glyph, i) => {
    const pos = run.positions[i]!;
    const ox = penX + pos.xOffset * k;
    const oy = y - pos.yOffset * k;
    const cmds = glyph.path.commands;
    if (cmds.length) {
      let d = '';
      for (const c of cmds) {
        const a = c.args;
        // glyph space has y up: flip it
        const X = (j: number) => r2(ox + a[j]! * k);
        const Y = (j: number) => r2(oy - a[j]! * k);
        switch (c.command) {
          case 'moveTo': d += `M${X(0)} ${Y(1)}`; break;
          case 'lineTo': d += `L${X(0)} ${Y(1)}`; break;
          case 'quadraticCurveTo': d += `Q${X(0)} ${Y(1)} ${X(2)} ${Y(3)}`; break;
          case 'bezierCurveTo': d += `C${X(0)} ${Y(1)} ${X(2)} ${Y(3)} ${X(4)} ${Y(5)}`; break;
          case 'closePath': d += 'Z'; break;
        }
      }
      parts.push(d);
    }
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
