import { describe, expect, it } from 'vitest';
import { flatWkt } from '../../server/modules/addresses/flat-wkt.ts';

describe('flatWkt: the WKT ogr2ogr writes with -dim XYZ, made flat', () => {
  it.each([
    ['POINT Z (533200.125 179200.5 0)', 'POINT (533200.125 179200.5)', false],
    ['POINT Z (533200.125 179200.5 4.75)', 'POINT (533200.125 179200.5)', true],
    ['POINT Z (1 2 -0.001)', 'POINT (1 2)', true],
    ['POINT Z (5.332e5 1.792E+5 1e-3)', 'POINT (5.332e5 1.792E+5)', true],
    [
      'POLYGON Z ((0 0 0,10 0 0,10 10 0,0 0 0),(1 1 0,2 1 0,2 2 0,1 1 0))',
      'POLYGON ((0 0,10 0,10 10,0 0),(1 1,2 1,2 2,1 1))',
      false,
    ],
    [
      'MULTIPOLYGON Z (((0 0 0,1 0 0,1 1 0,0 0 0)),((5 5 0,6 5 0,6 6 2,5 5 0)))',
      'MULTIPOLYGON (((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))',
      true,
    ],
    ['POINT Z EMPTY', 'POINT EMPTY', false],
    // already flat, and a measure (never written with -dim XYZ): left for the parser
    ['POLYGON ((0 0,1 0,1 1,0 0))', 'POLYGON ((0 0,1 0,1 1,0 0))', false],
    ['POINT M (1 2 3)', 'POINT M (1 2 3)', false],
  ])('%s', (wkt, flat, heights) => {
    expect(flatWkt(wkt)).toEqual({ wkt: flat, heights });
  });
});
