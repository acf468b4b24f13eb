/** The OS Maps API EPSG:27700 ZXY grid (shared/os-tile-grid.ts): resolutions, tile envelopes, ranges. */
import { describe, expect, it } from 'vitest';
import { OS_GRID, OS_MAX_ZOOM, isValidTile, tileAt, tileCount, tileEnvelope } from '../../shared/os-tile-grid.ts';

describe('OS tile grid', () => {
  it('has zooms 0..13 from 896 m a pixel, halving each zoom', () => {
    expect(OS_GRID.resolutions).toHaveLength(14);
    expect(OS_MAX_ZOOM).toBe(13);
    OS_GRID.resolutions.forEach((r, z) => expect(r).toBe(896 / 2 ** z));
    expect(OS_GRID.resolutions[13]).toBe(0.109375);
  });

  it('puts tile 0/0/0 at the top-left corner of the grid, 229 376 m square', () => {
    expect(tileEnvelope(0, 0, 0)).toEqual([-238375, 1376256 - 229376, -238375 + 229376, 1376256]);
  });

  it('counts y down from the top and x east from the left', () => {
    // z7: 7 m a pixel, 1792 m tiles
    expect(tileEnvelope(7, 10, 20)).toEqual([
      -238375 + 10 * 1792,
      1376256 - 21 * 1792,
      -238375 + 11 * 1792,
      1376256 - 20 * 1792,
    ]);
  });

  it('matches ST_TileEnvelope(z + 3) on the square the DESIGN names, at every zoom (exact)', () => {
    const span = 1596633 - -238375; // 1 835 008 m = 8 zoom-0 tiles
    for (let z = 0; z <= 13; z++) {
      const n = 2 ** (z + 3);
      const size = span / n;
      const [x, y] = [Math.floor(n / 3), Math.floor(n / 5)];
      expect(tileEnvelope(z, x, y)).toEqual([
        -238375 + x * size,
        1376256 - (y + 1) * size,
        -238375 + (x + 1) * size,
        1376256 - y * size,
      ]);
    }
  });

  it('finds the tile of a point; a point on a west or north edge is in that tile', () => {
    // Southwark town hall, about 533 400 E, 176 500 N, at z9 (448 m tiles)
    const t = tileAt(9, 533400, 176500);
    const [minx, miny, maxx, maxy] = tileEnvelope(9, t.x, t.y);
    expect(533400).toBeGreaterThanOrEqual(minx);
    expect(533400).toBeLessThan(maxx);
    expect(176500).toBeGreaterThan(miny);
    expect(176500).toBeLessThanOrEqual(maxy);
    const [wx, , , ny] = tileEnvelope(12, 100, 200);
    expect(tileAt(12, wx, ny)).toEqual({ z: 12, x: 100, y: 200 });
  });

  it('covers the extent with whole tiles and refuses tiles outside it', () => {
    expect(tileCount(0)).toEqual({ x: 5, y: 6 });
    expect(isValidTile(0, 4, 5)).toBe(true);
    expect(isValidTile(0, 5, 0)).toBe(false);
    expect(isValidTile(0, 0, 6)).toBe(false);
    expect(isValidTile(14, 0, 0)).toBe(false);
    expect(isValidTile(-1, 0, 0)).toBe(false);
    expect(isValidTile(3, 1.5, 0)).toBe(false);
    const n = tileCount(13);
    expect(isValidTile(13, n.x - 1, n.y - 1)).toBe(true);
    expect(isValidTile(13, n.x, 0)).toBe(false);
    // the last tile reaches past the extent's east edge, the one before does not
    expect(tileEnvelope(13, n.x - 1, 0)[2]).toBeGreaterThanOrEqual(OS_GRID.extent[2]);
    expect(tileEnvelope(13, n.x - 2, 0)[2]).toBeLessThan(OS_GRID.extent[2]);
  });
});
