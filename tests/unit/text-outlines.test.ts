/**
 * Text on map images is drawn as glyph outlines (server/render/text.ts). Each glyph's outline is kept per font,
 * glyph and size as path data relative to its first point, so it is formatted once however often it is drawn; these
 * tests hold it to the font's own outline, placed by fontkit's layout, to within the 0.01 px it is rounded to.
 */
import * as fontkit from 'fontkit';
import { describe, expect, it } from 'vitest';
import { FONT_FILES, textPath, textWidth } from '../../server/render/text.ts';

const fonts = {
  regular: fontkit.openSync(FONT_FILES.regular) as fontkit.Font,
  bold: fontkit.openSync(FONT_FILES.bold) as fontkit.Font,
};

/** Every point of every glyph of `text`, in sheet pixels, straight from the font (not rounded). */
function fontPoints(
  text: string,
  x: number,
  y: number,
  size: number,
  weight: 'regular' | 'bold',
  anchor: 'start' | 'middle' | 'end',
): number[] {
  const f = fonts[weight];
  const k = size / f.unitsPerEm;
  const run = f.layout(text);
  const width = run.positions.reduce((a, p) => a + p.xAdvance, 0) * k;
  let penX = x - (anchor === 'middle' ? width / 2 : anchor === 'end' ? width : 0);
  const out: number[] = [];
  run.glyphs.forEach((g, i) => {
    const pos = run.positions[i]!;
    for (const c of g.path.commands)
      for (let j = 0; j < c.args.length; j += 2)
        out.push(penX + pos.xOffset * k + c.args[j]! * k, y - pos.yOffset * k - c.args[j + 1]! * k);
    penX += pos.xAdvance * k;
  });
  return out;
}

/** Every point of SVG path data (M, m, l, q, c, z), absolute. */
function pathPoints(d: string): number[] {
  const tokens = d.match(/[MmLlQqCcZz]|-?\d*\.?\d+(?:e-?\d+)?/g) ?? [];
  const out: number[] = [];
  let cx = 0;
  let cy = 0;
  let sx = 0;
  let sy = 0;
  let cmd = '';
  for (let i = 0; i < tokens.length;) {
    if (/[A-Za-z]/.test(tokens[i]!)) cmd = tokens[i++]!;
    if (cmd === 'Z' || cmd === 'z') {
      cx = sx;
      cy = sy;
      continue;
    }
    const relative = cmd === cmd.toLowerCase();
    const pairs = { m: 1, l: 1, q: 2, c: 3 }[cmd.toLowerCase() as 'm' | 'l' | 'q' | 'c'];
    const x0 = cx;
    const y0 = cy;
    for (let p = 0; p < pairs; p++) {
      const px = Number(tokens[i++]) + (relative ? x0 : 0);
      const py = Number(tokens[i++]) + (relative ? y0 : 0);
      out.push(px, py);
      cx = px;
      cy = py;
    }
    if (cmd === 'M' || cmd === 'm') {
      sx = cx;
      sy = cy;
    }
  }
  return out;
}

describe('text as glyph outlines', () => {
  const lines = [
    'Neighbour notification map',
    '14–15, 17–18',
    'Contains Historic England data © Historic England.',
    'Ågé ŵ ½ fi',
  ];
  for (const weight of ['regular', 'bold'] as const) {
    it(`draws every point of the ${weight} font's glyphs within 0.01 px of where the font puts it, at any size, place and anchor, however often a glyph repeats`, () => {
      for (const size of [14.58, 19.79, 29.17, 58.33]) {
        for (const anchor of ['start', 'middle', 'end'] as const) {
          for (const [x, y] of [
            [59.06, 88.2],
            [1181.1, 3000.333],
          ] as const) {
            for (const text of lines) {
              const ours = pathPoints(textPath(text, x, y, size, { weight, anchor }));
              const theirs = fontPoints(text, x, y, size, weight, anchor);
              expect(ours.length).toBe(theirs.length);
              const worst = Math.max(...ours.map((v, i) => Math.abs(v - theirs[i]!)));
              expect(worst, `${text} at ${size} px`).toBeLessThanOrEqual(0.0101);
            }
          }
        }
      }
    });
  }

  it('measures a line as the sum of its advances, kerned', () => {
    const f = fonts.regular;
    const run = f.layout('AVATAR Wave');
    const width = (run.positions.reduce((a, p) => a + p.xAdvance, 0) / f.unitsPerEm) * 20;
    expect(textWidth('AVATAR Wave', 20)).toBeCloseTo(width, 9);
  });
});
