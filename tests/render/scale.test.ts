/**
 * True to scale, measured on the image: a 100 m square red line, rendered at every fixed scale, both dpis and both
 * papers (portrait; landscape at 150 dpi too), is decoded and the distance between the centres of its opposite
 * edges measured in pixels (coverage-weighted, so to a fraction of a pixel). At the dpi the PNG records (pHYs),
 * px / dpi × 25.4 mm × scale must be 100 m within 0.5%, across and up the sheet. The scale bar's drawn length is
 * measured the same way against its round value. Where the square does not fit the frame at a scale, the render
 * is refused with MAP_DOES_NOT_FIT. And the same request twice gives the same bytes.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { scaleBarMetres, sheetFor, type Paper, type Orientation } from '../../server/render/layout.ts';
import { binary, createCase, setCopyright } from './fixture.ts';
import { centroid, coverage, decode, pngDpi, type Raster } from './png.ts';

const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

const SIDE_M = 100;
const X0 = 533100;
const Y0 = 179100;
const square = {
  type: 'Polygon' as const,
  coordinates: [
    [
      [X0, Y0],
      [X0 + SIDE_M, Y0],
      [X0 + SIDE_M, Y0 + SIDE_M],
      [X0, Y0 + SIDE_M],
      [X0, Y0],
    ],
  ],
};
let caseId: number;

beforeAll(async () => {
  await setCopyright(t, 'Scale test statement.');
  caseId = await createCase(t, { reference: 'SCALE/1', siteAddress: 'A 100 m square' }, square);
});

function getMap(query: Record<string, string | number>, file = 'site-location.png') {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return binary(t.as('officer').get(`/api/cases/${caseId}/maps/${file}?${qs}`));
}

interface Frame {
  x: number;
  y: number;
  w: number;
  h: number;
}
const frameOf = (header: string): Frame => {
  const [x, y, w, h] = header.split(',').map(Number) as [number, number, number, number];
  return { x, y, w, h };
};

/** Centres of the red line's two edges along row `y` (or column `x`), either side of the frame's middle. */
function redEdges(img: Raster, f: Frame, along: 'row' | 'column'): [number, number] {
  const mid = along === 'row' ? f.x + f.w / 2 : f.y + f.h / 2;
  const from = Math.ceil(along === 'row' ? f.x : f.y) + 2;
  const to = Math.floor(along === 'row' ? f.x + f.w : f.y + f.h) - 2;
  const fixed = Math.floor(along === 'row' ? f.y + f.h / 2 : f.x + f.w / 2);
  const lo: Array<{ at: number; w: number }> = [];
  const hi: Array<{ at: number; w: number }> = [];
  for (let i = from; i < to; i++) {
    // the green channel: 255 on white paper, 0 in the red line (#e00000)
    const w = along === 'row' ? coverage(img, i, fixed, 1) : coverage(img, fixed, i, 1);
    if (w > 0) (i + 0.5 < mid ? lo : hi).push({ at: i, w });
  }
  return [centroid(lo), centroid(hi)];
}

/** The scale bar: the left edges of its first and third (black) segments, along the bar's middle row. */
function scaleBarHalfPx(img: Raster, f: Frame, dpi: number): number {
  const col = Math.round(f.x + 3 * (dpi / 25.4)); // 3 mm in: inside the first black segment, clear of the "0"
  let y = Math.ceil(f.y + f.h) + 3;
  while (y < img.height && coverage(img, col, y, 0) < 0.5) y++;
  const top = y;
  while (y < img.height && coverage(img, col, y, 0) >= 0.5) y++;
  const row = Math.floor((top + y) / 2);
  expect(y - top, 'the bar is about 1.6 mm high').toBeGreaterThan(1.2 * (dpi / 25.4));
  // runs of black along the row; the two longest are the black segments
  const runs: Array<{ start: number; end: number }> = [];
  let start: number | null = null;
  for (let x = Math.floor(f.x) - 5; x < img.width; x++) {
    const dark = coverage(img, x, row, 0) >= 0.5;
    if (dark && start === null) start = x;
    if (!dark && start !== null) {
      runs.push({ start, end: x });
      start = null;
    }
  }
  const black = runs.filter((r) => r.end - r.start >= 4).slice(0, 2);
  expect(black).toHaveLength(2);
  // sub-pixel rising edge: e = b − Σ coverage over the pixels [a, b) of the transition
  const edge = (at: number) => {
    let s = 0;
    for (let x = at - 3; x < at + 3; x++) s += coverage(img, x, row, 0);
    return at + 3 - s;
  };
  return edge(black[1]!.start) - edge(black[0]!.start);
}

const SCALES = [500, 1250, 2500, 5000] as const;
const combos: Array<{ paper: Paper; orientation: Orientation; dpi: 150 | 300; scale: number }> = [];
for (const paper of ['A4', 'A3'] as const) {
  for (const dpi of [150, 300] as const)
    for (const scale of SCALES) combos.push({ paper, orientation: 'portrait', dpi, scale });
  for (const scale of SCALES) combos.push({ paper, orientation: 'landscape', dpi: 150, scale });
}
const fits = (c: (typeof combos)[number]) => {
  const s = sheetFor(c.paper, c.orientation, c.dpi);
  return SIDE_M <= (s.frame.w / 1000) * c.scale && SIDE_M <= (s.frame.h / 1000) * c.scale;
};

describe('true to scale: a 100 m square measured on the image', () => {
  it('the matrix has renders that fit and some that do not', () => {
    expect(combos.filter(fits).length).toBeGreaterThanOrEqual(20);
    expect(combos.filter((c) => !fits(c)).length).toBeGreaterThanOrEqual(2);
  });

  for (const c of combos) {
    const name = `${c.paper} ${c.orientation} 1:${c.scale} at ${c.dpi} dpi`;
    if (!fits(c)) {
      it(`${name}: refused with MAP_DOES_NOT_FIT, saying which scale fits`, async () => {
        const res = await t
          .as('officer')
          .get(
            `/api/cases/${caseId}/maps/site-location.png?paper=${c.paper}&orientation=${c.orientation}&dpi=${c.dpi}&scale=${c.scale}`,
          );
        expect(res.status).toBe(422);
        expect(res.body.error.code).toBe('MAP_DOES_NOT_FIT');
        const { fitsAt } = res.body.error.details;
        expect(SCALES).toContain(fitsAt);
        expect(fitsAt).toBeGreaterThan(c.scale);
        expect(fits({ ...c, scale: fitsAt })).toBe(true);
      });
      continue;
    }
    it(`${name}: 100 m on the ground measures 100 m ± 0.5% across and up; the scale bar matches its label`, async () => {
      const res = await getMap({ paper: c.paper, orientation: c.orientation, dpi: c.dpi, scale: c.scale });
      expect(res.status).toBe(200);
      const png = res.body as Buffer;
      expect(res.headers['x-map-scale']).toBe(`1:${c.scale}`);
      expect(res.headers['x-map-dpi']).toBe(String(c.dpi));
      // the image records its dpi: pHYs in pixels per metre (150 dpi = 5906 px/m)
      const dpi = pngDpi(png);
      expect(dpi).not.toBeNull();
      expect(Math.abs(dpi! - c.dpi) / c.dpi).toBeLessThan(0.001);
      const img = decode(png);
      const sheet = sheetFor(c.paper, c.orientation, c.dpi);
      expect([img.width, img.height]).toEqual([sheet.widthPx, sheet.heightPx]);
      const [shortMm, longMm] = c.paper === 'A4' ? [210, 297] : [297, 420];
      const widthMm = c.orientation === 'portrait' ? shortMm : longMm;
      expect(Math.abs(img.width - (widthMm / 25.4) * dpi!), 'the paper width at the recorded dpi').toBeLessThan(1);

      const f = frameOf(String(res.headers['x-map-frame']));
      const groundM = (px: number) => (px / dpi!) * 0.0254 * c.scale;
      const [left, right] = redEdges(img, f, 'row');
      const [top, bottom] = redEdges(img, f, 'column');
      const across = groundM(right - left);
      const up = groundM(bottom - top);
      expect(Math.abs(across - SIDE_M) / SIDE_M, `across: ${across.toFixed(3)} m`).toBeLessThan(0.005);
      expect(Math.abs(up - SIDE_M) / SIDE_M, `up: ${up.toFixed(3)} m`).toBeLessThan(0.005);
      // the square is centred in the frame
      expect(Math.abs((left + right) / 2 - (f.x + f.w / 2))).toBeLessThan(1);
      expect(Math.abs((top + bottom) / 2 - (f.y + f.h / 2))).toBeLessThan(1);

      // the frame's stated ground extent agrees with its size in pixels at this scale
      const [minX, minY, maxX, maxY] = String(res.headers['x-map-extent']).split(',').map(Number) as [
        number,
        number,
        number,
        number,
      ];
      expect(Math.abs(groundM(f.w) - (maxX - minX)) / (maxX - minX)).toBeLessThan(0.001);
      expect(Math.abs(groundM(f.h) - (maxY - minY)) / (maxY - minY)).toBeLessThan(0.001);
      expect(Math.abs((minX + maxX) / 2 - (X0 + SIDE_M / 2))).toBeLessThan(0.01);

      // the scale bar: half its drawn length is half its label, a round 1, 2 or 5 × 10ⁿ metres
      const barM = scaleBarMetres(sheet, c.scale);
      expect(String(barM)).toMatch(/^[125]0*$/);
      const halfM = groundM(scaleBarHalfPx(img, f, dpi!));
      expect(
        Math.abs(halfM - barM / 2) / (barM / 2),
        `half bar: ${halfM.toFixed(3)} m for a ${barM} m bar`,
      ).toBeLessThan(0.005);
    }, 60_000);
  }
});

describe('deterministic images', () => {
  it('the same request twice gives the same PNG bytes, and the same JPEG bytes', async () => {
    const a = await getMap({ scale: 1250 });
    const b = await getMap({ scale: 1250 });
    expect(a.status).toBe(200);
    expect(Buffer.compare(a.body as Buffer, b.body as Buffer)).toBe(0);
    const j1 = await getMap({ scale: 1250 }, 'site-location.jpg');
    const j2 = await getMap({ scale: 1250 }, 'site-location.jpg');
    expect(j1.headers['content-type']).toBe('image/jpeg');
    expect(Buffer.compare(j1.body as Buffer, j2.body as Buffer)).toBe(0);
  });

  it('the JPEG records its dpi too (JFIF density)', async () => {
    for (const dpi of [150, 300]) {
      const res = await getMap({ scale: 1250, dpi }, 'site-location.jpg');
      const meta = await sharp(res.body as Buffer).metadata();
      expect(meta.format).toBe('jpeg');
      expect(meta.density).toBe(dpi);
    }
  });
});
