import { describe, expect, it } from 'vitest';
import {
  crossingIfAppended,
  crossingIfClosed,
  formatAreaText,
  locateOnRing,
  locationOf,
  tracePath,
  multiPolygonArea,
  polygonArea,
  polysFromGeoJson,
  ringArea,
  ringSelfIntersection,
  segmentIntersection,
  sitePolygonsProblem,
  toMultiPolygon,
  unionSharedEdges,
  UndoStack,
  vertexCount,
  type Pt,
} from '../../client/src/staff/map/geom.ts';

const sq = (x: number, y: number, s: number): Pt[] => [
  [x, y],
  [x + s, y],
  [x + s, y + s],
  [x, y + s],
];

describe('staff map: area', () => {
  it('is the planar area in grid metres, either winding', () => {
    expect(ringArea(sq(530000, 180000, 10))).toBe(100);
    expect(ringArea(sq(530000, 180000, 10).reverse())).toBe(100);
  });
  it('subtracts holes and sums parts', () => {
    const poly = [sq(0, 0, 10), sq(2, 2, 2)];
    expect(polygonArea(poly)).toBe(96);
    expect(multiPolygonArea([poly, [sq(100, 100, 1)]])).toBe(97);
    expect(vertexCount([poly, [sq(100, 100, 1)]])).toBe(12);
  });
  it('is zero for nothing, and for a degenerate ring', () => {
    expect(multiPolygonArea([])).toBe(0);
    expect(
      ringArea([
        [0, 0],
        [1, 1],
        [2, 2],
      ]),
    ).toBe(0);
  });
  it('formats m² and hectares', () => {
    expect(formatAreaText(12345.678)).toBe('12,345.68 m² (1.2346 ha)');
    expect(formatAreaText(0)).toBe('0.00 m² (0.0000 ha)');
  });
});

describe('staff map: segment intersection', () => {
  it('finds a proper crossing', () => {
    expect(segmentIntersection([0, 0], [2, 2], [0, 2], [2, 0])).toEqual([1, 1]);
  });
  it('counts touching at an end and collinear overlap', () => {
    expect(segmentIntersection([0, 0], [2, 0], [2, 0], [3, 5])).toEqual([2, 0]);
    expect(segmentIntersection([0, 0], [2, 0], [1, 0], [3, 0])).not.toBeNull();
  });
  it('misses by 1 cm', () => {
    expect(segmentIntersection([0, 0], [2, 0], [2.01, 0], [3, 5])).toBeNull();
    expect(segmentIntersection([0, 0], [2, 0], [1, 0.01], [1, 5])).toBeNull();
  });
});

describe('staff map: refusing a self-crossing vertex', () => {
  const zig: Pt[] = [
    [0, 0],
    [10, 0],
    [10, 10],
  ];
  it('allows a vertex that keeps the ring simple', () => {
    expect(crossingIfAppended(zig, [0, 10])).toBeNull();
    expect(crossingIfAppended([], [0, 0])).toBeNull();
    expect(crossingIfAppended([[0, 0]], [1, 0])).toBeNull();
  });
  it('refuses a vertex whose edge crosses an earlier edge, and says where', () => {
    expect(crossingIfAppended(zig, [0, -10])).toEqual([5, 0]);
  });
  it('refuses a vertex on an earlier edge (touching) and one 1 cm beyond is allowed', () => {
    expect(crossingIfAppended([...zig, [0, 10]], [5, 0])).toEqual([5, 0]);
    expect(crossingIfAppended([...zig, [0, 10]], [5, 0.01])).toBeNull();
  });
  it('refuses folding back along the last edge and repeating a vertex', () => {
    expect(crossingIfAppended(zig, [10, 5])).not.toBeNull();
    expect(crossingIfAppended(zig, [10, 10])).not.toBeNull();
    expect(crossingIfAppended(zig, [10, 0])).not.toBeNull();
  });
  it('refuses closing when the closing edge crosses', () => {
    // a bow tie drawn so only the closing edge crosses
    const ring: Pt[] = [
      [0, 0],
      [10, 0],
      [0, 10],
      [10, 10],
    ];
    expect(crossingIfClosed(ring)).toEqual([5, 5]);
    expect(crossingIfClosed(sq(0, 0, 10))).toBeNull();
  });
  it('finds any self-intersection of a closed ring', () => {
    expect(ringSelfIntersection(sq(0, 0, 10))).toBeNull();
    expect(
      ringSelfIntersection([
        [0, 0],
        [10, 10],
        [10, 0],
        [0, 10],
      ]),
    ).toEqual([5, 5]);
  });
});

describe('staff map: whole-site checks', () => {
  it('accepts parts apart and a hole inside', () => {
    expect(sitePolygonsProblem([[sq(0, 0, 10), sq(2, 2, 2)], [sq(20, 0, 5)]])).toBeNull();
  });
  it('refuses a hole outside its part or touching its outline', () => {
    expect(sitePolygonsProblem([[sq(0, 0, 10), sq(20, 20, 2)]])?.message).toMatch(/not inside/);
    expect(sitePolygonsProblem([[sq(0, 0, 10), sq(0, 2, 2)]])?.message).toMatch(/crosses or touches/);
  });
  it('refuses a ring with fewer than 3 vertices', () => {
    expect(sitePolygonsProblem([[sq(0, 0, 10).slice(0, 2)]])).not.toBeNull();
  });
});

describe('staff map: GeoJSON', () => {
  it('reads Polygon and MultiPolygon (dropping the closing vertex) and writes a MultiPolygon', () => {
    const closed = [...sq(0, 0, 1), [0, 0]];
    expect(polysFromGeoJson({ type: 'Polygon', coordinates: [closed] })).toEqual([[sq(0, 0, 1)]]);
    expect(polysFromGeoJson({ type: 'MultiPolygon', coordinates: [[closed], [closed]] })).toHaveLength(2);
    expect(polysFromGeoJson(null)).toEqual([]);
    expect(toMultiPolygon([[sq(0, 0, 1)]])).toEqual({ type: 'MultiPolygon', coordinates: [[closed]] });
  });
});

describe('staff map: undo stack', () => {
  it('undoes and redoes every edit; a new edit drops the redo', () => {
    const u = new UndoStack<number>(0);
    expect(u.canUndo).toBe(false);
    u.push(1);
    u.push(2);
    expect(u.undo()).toBe(1);
    expect(u.undo()).toBe(0);
    expect(u.undo()).toBeNull();
    expect(u.redo()).toBe(1);
    u.push(5);
    expect(u.canRedo).toBe(false);
    expect(u.current).toBe(5);
    u.reset(9);
    expect(u.canUndo).toBe(false);
    expect(u.current).toBe(9);
  });
});

describe('staff map: union of properties sharing edges', () => {
  it('merges two squares sharing an edge into one outline of their total area', () => {
    const u = unionSharedEdges([[sq(0, 0, 10)], [sq(10, 0, 10)]])!;
    expect(u).toHaveLength(1);
    expect(u[0]).toHaveLength(1);
    expect(u[0]![0]).toHaveLength(4); // the shared edge's ends are dropped as collinear
    expect(multiPolygonArea(u)).toBe(200);
  });
  it('keeps separate parts apart, and makes a hole of a ring of eight squares', () => {
    expect(unionSharedEdges([[sq(0, 0, 10)], [sq(30, 0, 10)]])).toHaveLength(2);
    const ring = [];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) if (!(i === 1 && j === 1)) ring.push([sq(i * 10, j * 10, 10)]);
    const u = unionSharedEdges(ring)!;
    expect(u).toHaveLength(1);
    expect(u[0]).toHaveLength(2);
    expect(multiPolygonArea(u)).toBe(800);
  });
  it('gives up (null) on a T-junction rather than guess', () => {
    // a 20 m block beside two 10 m squares: the long edge is not shared vertex for vertex
    expect(
      unionSharedEdges([
        [
          [
            [0, 0],
            [10, 0],
            [10, 20],
            [0, 20],
          ],
        ],
        [sq(10, 0, 10)],
        [sq(10, 10, 10)],
      ]),
    ).toBeNull();
  });
});

describe('staff map: where a server error is', () => {
  it('reads details.location.epsg27700, .input, or a bare pair', () => {
    expect(locationOf({ location: { epsg27700: [1, 2], input: [3, 4] } })).toEqual([1, 2]);
    expect(locationOf({ location: { input: [3, 4], epsg27700: null } })).toEqual([3, 4]);
    expect(locationOf({ location: [5, 6] })).toEqual([5, 6]);
    expect(locationOf({})).toBeNull();
    expect(locationOf(undefined)).toBeNull();
  });
});

describe('staff map: tracing along an outline', () => {
  const ring = sq(0, 0, 10); // (0,0) (10,0) (10,10) (0,10)
  it('locates points on the ring, and not 1 cm off it', () => {
    expect(locateOnRing(ring, [5, 0])).toBe(0.5);
    expect(locateOnRing(ring, [10, 0])).toBe(1);
    expect(locateOnRing(ring, [0, 5])).toBe(3.5);
    expect(locateOnRing(ring, [5, 0.01])).toBeNull();
  });
  it('takes the shorter way round, without the end points', () => {
    expect(tracePath(ring, [5, 0], [10, 5])).toEqual([[10, 0]]);
    expect(tracePath(ring, [10, 5], [5, 0])).toEqual([[10, 0]]);
    expect(tracePath(ring, [5, 0], [0, 5])).toEqual([[0, 0]]);
    expect(tracePath(ring, [2, 0], [2, 10])).toEqual([
      [0, 0],
      [0, 10],
    ]);
    expect(tracePath(ring, [10, 0], [0, 10])?.length).toBe(1);
    expect(tracePath(ring, [1, 0], [3, 0])).toEqual([]);
    expect(tracePath(ring, [5, 1], [0, 5])).toBeNull();
  });
});
