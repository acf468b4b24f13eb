/** shared/place.ts: typed locations (grid references, eastings/northings, latitude/longitude) and vertex lists. */
import { describe, expect, it } from 'vitest';
import {
  formatGridRef,
  gridSquareLetters,
  gridSquareOrigin,
  parsePlace,
  parseVertexList,
  type ParsedPlace,
} from '../../shared/place.ts';

const place = (text: string): ParsedPlace => {
  const r = parsePlace(text);
  expect(r, text).not.toBeNull();
  if (!r || !r.ok) throw new Error(`expected a place for ${text}: ${r ? r.message : 'null'}`);
  return r.place;
};
const refused = (text: string): string => {
  const r = parsePlace(text);
  expect(r, text).not.toBeNull();
  if (!r || r.ok) throw new Error(`expected a refusal for ${text}`);
  expect(r.message.length).toBeGreaterThan(20);
  return r.message;
};

describe('OS grid references', () => {
  it('reads a 10-digit reference as the point itself, spaced or not, any case', () => {
    for (const t of ['TQ 32525 79850', 'TQ3252579850', 'tq 32525 79850', '  TQ  32525   79850 ']) {
      const p = place(t);
      expect(p).toMatchObject({ kind: 'gridref', x: 532525, y: 179850, size: 1, label: 'TQ 32525 79850' });
    }
  });

  it('reads short references as the centre of their square, with its size and bbox', () => {
    expect(place('TQ 325 798')).toMatchObject({
      x: 532550,
      y: 179850,
      size: 100,
      bbox: [532500, 179800, 532600, 179900],
    });
    expect(place('TQ325798')).toMatchObject({ x: 532550, y: 179850, size: 100 });
    expect(place('TQ 3252 7985')).toMatchObject({ x: 532525, y: 179855, size: 10 });
    expect(place('TQ 32 79')).toMatchObject({ x: 532500, y: 179500, size: 1000 });
    expect(place('TQ37')).toMatchObject({ x: 535000, y: 175000, size: 10_000, bbox: [530000, 170000, 540000, 180000] });
  });

  it('knows real squares across Great Britain', () => {
    // Ben Nevis NN 16667 71250; Land's End SW 34179 25346; Lerwick HU 47 41; Scilly SV 90 10
    expect(place('NN 16667 71250')).toMatchObject({ x: 216667, y: 771250 });
    expect(place('SW 34179 25346')).toMatchObject({ x: 134179, y: 25346 });
    expect(place('HU 4700 4100')).toMatchObject({ x: 447005, y: 1141005 });
    expect(place('SV 9000 1000')).toMatchObject({ x: 90005, y: 10005 });
    expect(gridSquareOrigin('SU')).toEqual([400000, 100000]);
    expect(gridSquareOrigin('NT')).toEqual([300000, 600000]);
  });

  it('formats a point back to its reference', () => {
    expect(gridSquareLetters(532525, 179850)).toBe('TQ');
    expect(formatGridRef(532525, 179850)).toBe('TQ 32525 79850');
    expect(formatGridRef(216667, 771250)).toBe('NN 16667 71250');
    expect(formatGridRef(-1, 100)).toBeNull();
    for (const [x, y] of [
      [0, 0],
      [699999, 1299999],
      [412345, 987654],
    ] as Array<[number, number]>) {
      const ref = formatGridRef(x, y)!;
      expect(place(ref)).toMatchObject({ x, y });
    }
  });

  it('refuses invalid letters', () => {
    expect(refused('TI 32525 79850')).toMatch(/not a 100 km square/);
    expect(refused('IQ 325 798')).toMatch(/not a 100 km square/);
    // ZZ is a letter pair, but not a square of Great Britain's grid
    expect(refused('ZZ 325 798')).toMatch(/not a 100 km square/);
  });

  it('refuses an odd number of digits, too many, and uneven groups', () => {
    expect(refused('TQ 325 79')).toMatch(/even number of digits.*has 5/);
    expect(refused('TQ3')).toMatch(/has 1/);
    expect(refused('TQ 325250 798500')).toMatch(/has 12/);
    expect(refused('TQ 3252 798')).toMatch(/even number/);
    expect(refused('TQ 32 7985')).toMatch(/same number of digits/);
  });

  it('is not fooled by postcodes and street names', () => {
    expect(parsePlace('SE1 4LA')).toBeNull();
    expect(parsePlace('12 Southwark Street')).toBeNull();
    expect(parsePlace('')).toBeNull();
  });
});

describe('eastings and northings', () => {
  it('reads pairs in the usual spellings', () => {
    for (const t of [
      '532525, 179850',
      '532525 179850',
      '532525,179850',
      'E 532525 N 179850',
      'e532525 n179850',
      'E: 532525, N: 179850',
      'Easting 532525 Northing 179850',
      '532525E 179850N',
    ]) {
      expect(place(t), t).toMatchObject({ kind: 'eastingNorthing', x: 532525, y: 179850 });
    }
    expect(place('532525.25 179850.5')).toMatchObject({ x: 532525.25, y: 179850.5 });
  });

  it('accepts the edges of the grid and refuses a metre beyond', () => {
    expect(place('0, 1300000')).toMatchObject({ x: 0, y: 1300000 });
    expect(place('700000, 0')).toMatchObject({ x: 700000, y: 0 });
    expect(place('700000, 1300000')).toMatchObject({ x: 700000, y: 1300000 });
    expect(refused('700001, 179850')).toMatch(/not an easting and northing in Great Britain/);
    expect(refused('532525, 1300001')).toMatch(/Great Britain/);
    expect(refused('-1, 179850')).toMatch(/Great Britain/);
  });
});

describe('latitude and longitude', () => {
  it('converts WGS84 to EPSG:27700 with the shared definition', () => {
    // GDAL 3.6 (gdaltransform -s_srs EPSG:4326 -t_srs EPSG:27700) gives 532903.193, 180131.730 for this point
    const p = place('51.5045, -0.0865');
    expect(p.kind).toBe('latlon');
    expect(Math.abs(p.x - 532903.193)).toBeLessThan(0.01);
    expect(Math.abs(p.y - 180131.73)).toBeLessThan(0.01);
    expect(p).toMatchObject({ lat: 51.5045, lon: -0.0865 });
    const q = place('51.5045N 0.0865W');
    expect(q.x).toBe(p.x);
    expect(q.y).toBe(p.y);
  });

  it('refuses a latitude and longitude outside Great Britain', () => {
    expect(refused('48.8584, 2.2945')).toMatch(/outside Great Britain/); // Paris
    expect(refused('40.7128, -74.0060')).toMatch(/outside Great Britain/); // New York
    expect(refused('-0.0865, 51.5045')).toMatch(/outside Great Britain/); // swapped
  });

  it('refuses small whole numbers that are neither', () => {
    expect(refused('12 34')).toMatch(/neither/);
  });
});

describe('vertex lists', () => {
  it('reads easting/northing pairs and grid references, one a line', () => {
    const r = parseVertexList('532500 179800\n532600, 179800\n\nTQ 32600 79900\nE 532500 N 179900\n');
    expect(r).toEqual({
      ok: true,
      closed: false,
      vertices: [
        [532500, 179800],
        [532600, 179800],
        [532600, 179900],
        [532500, 179900],
      ],
    });
  });

  it('drops a closing vertex that repeats the first', () => {
    const r = parseVertexList('532500 179800\r\n532600 179800\r\n532600 179900\r\n532500 179800');
    expect(r).toMatchObject({ ok: true, closed: true });
    if (r.ok) expect(r.vertices).toHaveLength(3);
  });

  it('names the line of an error', () => {
    expect(parseVertexList('532500 179800\n\nnot a point\n532600 179900')).toMatchObject({ ok: false, line: 3 });
    const odd = parseVertexList('532500 179800\nTQ 325 79\n532600 179900');
    expect(odd).toMatchObject({ ok: false, line: 2 });
    if (!odd.ok) expect(odd.message).toMatch(/^Line 2: .*even number of digits/);
    expect(parseVertexList('532500 179800\n51.5, -0.1\n532600 179900')).toMatchObject({ ok: false, line: 2 });
    expect(parseVertexList('532500 179800\n532500 179800\n532600 179900')).toMatchObject({ ok: false, line: 2 });
  });

  it('wants at least three different vertices for a polygon', () => {
    expect(parseVertexList('532500 179800\n532600 179800')).toMatchObject({ ok: false });
    expect(parseVertexList('')).toMatchObject({ ok: false });
    expect(parseVertexList('532500 179800', { minVertices: 1 })).toMatchObject({ ok: true });
  });
});
