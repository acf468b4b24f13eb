/**
 * Pure geometry for the site editor (no DOM, no OpenLayers): planar area in EPSG:27700 metres (exact for the
 * preview: the grid is the plane the server measures in), segment crossings for refusing a self-crossing vertex,
 * the editor's undo stack, and a union of property outlines that share edges (for the preview of taken properties).
 * Rings are kept open here (the first vertex is not repeated); closeRing adds it back for GeoJSON.
 */
export type Pt = [number, number];
/** an open ring: at least 3 vertices when complete, the first not repeated at the end */
export type Ring = Pt[];
/** a polygon: the outer ring then its holes */
export type Poly = Ring[];

const EPS = 1e-9;

/** Twice the signed area of an open ring (positive when anticlockwise). */
function doubleSignedArea(ring: Ring): number {
  let s = 0;
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % ring.length]!;
    s += a[0] * b[1] - b[0] * a[1];
  }
  return s;
}

export function ringArea(ring: Ring): number {
  return Math.abs(doubleSignedArea(ring)) / 2;
}

export function isClockwise(ring: Ring): boolean {
  return doubleSignedArea(ring) < 0;
}

/** The area of a polygon with holes, m². */
export function polygonArea(poly: Poly): number {
  if (poly.length === 0) return 0;
  let a = ringArea(poly[0]!);
  for (const hole of poly.slice(1)) a -= ringArea(hole);
  return Math.max(0, a);
}

export function multiPolygonArea(polys: Poly[]): number {
  return polys.reduce((s, p) => s + polygonArea(p), 0);
}

export function vertexCount(polys: Poly[]): number {
  return polys.reduce((s, p) => s + p.reduce((t, r) => t + r.length, 0), 0);
}

/** "1,234.56 m² (0.1235 ha)" */
export function formatAreaText(m2: number): string {
  const m = m2.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const ha = (m2 / 10_000).toLocaleString('en-GB', { minimumFractionDigits: 4, maximumFractionDigits: 4 });
  return `${m} m² (${ha} ha)`;
}

const cross = (o: Pt, a: Pt, b: Pt) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
const onSegment = (p: Pt, a: Pt, b: Pt) =>
  Math.min(a[0], b[0]) - EPS <= p[0] &&
  p[0] <= Math.max(a[0], b[0]) + EPS &&
  Math.min(a[1], b[1]) - EPS <= p[1] &&
  p[1] <= Math.max(a[1], b[1]) + EPS;

/**
 * Where segments ab and cd meet (touching counts: an endpoint on the other segment, or a collinear overlap),
 * or null when they do not.
 */
export function segmentIntersection(a: Pt, b: Pt, c: Pt, d: Pt): Pt | null {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  const scale = Math.max(
    1,
    Math.abs(b[0] - a[0]) + Math.abs(b[1] - a[1]),
    Math.abs(d[0] - c[0]) + Math.abs(d[1] - c[1]),
  );
  const tol = EPS * scale * scale;
  const s1 = Math.abs(d1) <= tol ? 0 : Math.sign(d1);
  const s2 = Math.abs(d2) <= tol ? 0 : Math.sign(d2);
  const s3 = Math.abs(d3) <= tol ? 0 : Math.sign(d3);
  const s4 = Math.abs(d4) <= tol ? 0 : Math.sign(d4);
  if (s1 * s2 < 0 && s3 * s4 < 0) {
    const t = d1 / (d1 - d2);
    return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
  }
  if (s1 === 0 && onSegment(a, c, d)) return [a[0], a[1]];
  if (s2 === 0 && onSegment(b, c, d)) return [b[0], b[1]];
  if (s3 === 0 && onSegment(c, a, b)) return [c[0], c[1]];
  if (s4 === 0 && onSegment(d, a, b)) return [d[0], d[1]];
  return null;
}

const same = (a: Pt, b: Pt) => a[0] === b[0] && a[1] === b[1];

/** Edges a→b then b→c run back along each other (collinear, turning through 180°). */
function foldsBack(a: Pt, b: Pt, c: Pt): boolean {
  const ux = a[0] - b[0];
  const uy = a[1] - b[1];
  const vx = c[0] - b[0];
  const vy = c[1] - b[1];
  const lu = Math.hypot(ux, uy);
  const lv = Math.hypot(vx, vy);
  if (lu === 0 || lv === 0) return true;
  return Math.abs(ux * vy - uy * vx) <= 1e-9 * lu * lv && ux * vx + uy * vy > 0;
}

/**
 * Would appending p to an open ring being drawn make it cross itself? Checks the new edge (last vertex to p)
 * against every earlier edge but the one it follows on from; answers where it crosses, or null.
 * A vertex equal to an earlier one (other than closing on the first) is a crossing too.
 */
export function crossingIfAppended(ring: Ring, p: Pt): Pt | null {
  const n = ring.length;
  if (n === 0) return null;
  const last = ring[n - 1]!;
  if (same(last, p)) return p;
  for (let i = 0; i < n - 1; i++) if (same(ring[i]!, p)) return p;
  for (let i = 0; i + 1 < n - 1; i++) {
    const hit = segmentIntersection(ring[i]!, ring[i + 1]!, last, p);
    if (hit) return hit;
  }
  // the edge before last shares `last`; it crosses only by folding back along itself
  if (n >= 2 && foldsBack(ring[n - 2]!, last, p)) return last;
  return null;
}

/** Would closing an open ring (last vertex back to the first) cross an edge? Answers where, or null. */
export function crossingIfClosed(ring: Ring): Pt | null {
  const n = ring.length;
  if (n < 3) return null;
  const first = ring[0]!;
  const last = ring[n - 1]!;
  for (let i = 1; i + 1 < n - 1; i++) {
    const hit = segmentIntersection(ring[i]!, ring[i + 1]!, last, first);
    if (hit) return hit;
  }
  return null;
}

/** The first place a closed ring (given open) crosses or touches itself, or null for a simple ring. */
export function ringSelfIntersection(ring: Ring): Pt | null {
  const n = ring.length;
  if (n < 3) return null;
  for (let i = 0; i < n; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % n]!;
    if (same(a, b)) return a;
    for (let j = i + 1; j < n; j++) {
      // adjacent edges share a vertex: skip them (i, i+1) and the wrap-around pair (0, n-1)
      if (j === i + 1 || (i === 0 && j === n - 1)) {
        const prevOf = j === i + 1 ? a : ring[j]!;
        const shared = j === i + 1 ? b : a;
        const nextOf = j === i + 1 ? ring[(j + 1) % n]! : b;
        if (foldsBack(prevOf, shared, nextOf)) return shared;
        continue;
      }
      const hit = segmentIntersection(a, b, ring[j]!, ring[(j + 1) % n]!);
      if (hit) return hit;
    }
  }
  return null;
}

/** Where two rings cross or touch, or null. */
export function ringsIntersection(r1: Ring, r2: Ring): Pt | null {
  for (let i = 0; i < r1.length; i++) {
    for (let j = 0; j < r2.length; j++) {
      const hit = segmentIntersection(r1[i]!, r1[(i + 1) % r1.length]!, r2[j]!, r2[(j + 1) % r2.length]!);
      if (hit) return hit;
    }
  }
  return null;
}

/** Point in ring (even-odd; a point on the boundary may answer either way). */
export function pointInRing(p: Pt, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

/** A problem with a whole site (every ring simple, holes inside their outer ring and not crossing). */
export function sitePolygonsProblem(polys: Poly[]): { message: string; at: Pt } | null {
  for (let p = 0; p < polys.length; p++) {
    const poly = polys[p]!;
    for (let r = 0; r < poly.length; r++) {
      const ring = poly[r]!;
      const where = r === 0 ? `part ${p + 1}` : `hole ${r} of part ${p + 1}`;
      if (ring.length < 3)
        return { message: `The outline of ${where} needs at least 3 vertices.`, at: ring[0] ?? [0, 0] };
      const x = ringSelfIntersection(ring);
      if (x) return { message: `The outline of ${where} crosses itself.`, at: x };
      if (r > 0) {
        const y = ringsIntersection(ring, poly[0]!);
        if (y) return { message: `Hole ${r} of part ${p + 1} crosses or touches the part's outline.`, at: y };
        if (!pointInRing(ring[0]!, poly[0]!))
          return { message: `Hole ${r} of part ${p + 1} is not inside the part.`, at: ring[0]! };
      }
    }
  }
  return null;
}

export function closeRing(ring: Ring): Pt[] {
  return ring.length ? [...ring, ring[0]!] : [];
}

/** Removes a repeated closing vertex. */
export function openRing(coords: number[][]): Ring {
  const r = coords.map((c) => [c[0]!, c[1]!] as Pt);
  if (r.length > 1 && same(r[0]!, r[r.length - 1]!)) r.pop();
  return r;
}

/** Polygons (GeoJSON Polygon or MultiPolygon coordinates) as open rings. */
export function polysFromGeoJson(g: { type: string; coordinates: unknown } | null | undefined): Poly[] {
  if (!g) return [];
  if (g.type === 'Polygon') return [(g.coordinates as number[][][]).map(openRing)];
  if (g.type === 'MultiPolygon') return (g.coordinates as number[][][][]).map((p) => p.map(openRing));
  return [];
}

export function toMultiPolygon(polys: Poly[]): { type: 'MultiPolygon'; coordinates: number[][][][] } {
  return { type: 'MultiPolygon', coordinates: polys.map((p) => p.map(closeRing)) };
}

/** An undo/redo history of snapshots; push records a new state and drops anything that was undone. */
export class UndoStack<T> {
  private past: T[] = [];
  private future: T[] = [];
  constructor(
    private present: T,
    private readonly limit = 500,
  ) {}
  get current(): T {
    return this.present;
  }
  get canUndo(): boolean {
    return this.past.length > 0;
  }
  get canRedo(): boolean {
    return this.future.length > 0;
  }
  push(next: T): void {
    this.past.push(this.present);
    if (this.past.length > this.limit) this.past.shift();
    this.present = next;
    this.future = [];
  }
  undo(): T | null {
    const prev = this.past.pop();
    if (prev === undefined) return null;
    this.future.push(this.present);
    this.present = prev;
    return prev;
  }
  redo(): T | null {
    const next = this.future.pop();
    if (next === undefined) return null;
    this.past.push(this.present);
    this.present = next;
    return next;
  }
  /** Starts again from a state (a loaded site), with no history. */
  reset(state: T): void {
    this.past = [];
    this.future = [];
    this.present = state;
  }
}

const key = (p: Pt) => `${p[0]},${p[1]}`;

/**
 * The union of polygons that meet along shared edges (property outlines of one data set share their vertices):
 * edges that two polygons share in opposite directions cancel and what is left is stitched into rings.
 * Answers null when the pieces do not stitch (they overlap or meet at T-junctions), in which case the caller
 * keeps them as separate parts and lets the server's intake judge them.
 */
export function unionSharedEdges(polys: Poly[]): Poly[] | null {
  if (polys.length <= 1) return polys;
  const edges = new Map<string, { a: Pt; b: Pt; n: number }>();
  const add = (a: Pt, b: Pt) => {
    const rev = `${key(b)}>${key(a)}`;
    const r = edges.get(rev);
    if (r) {
      if (--r.n === 0) edges.delete(rev);
      return;
    }
    const k = `${key(a)}>${key(b)}`;
    const e = edges.get(k);
    if (e) e.n++;
    else edges.set(k, { a, b, n: 1 });
  };
  for (const poly of polys) {
    poly.forEach((ring, i) => {
      // outer rings anticlockwise, holes clockwise, so shared edges run in opposite directions
      const wantCw = i > 0;
      const r = isClockwise(ring) === wantCw ? ring : [...ring].reverse();
      for (let k = 0; k < r.length; k++) add(r[k]!, r[(k + 1) % r.length]!);
    });
  }
  const out = new Map<string, Pt[]>();
  for (const e of edges.values()) {
    if (e.n !== 1) return null;
    const from = key(e.a);
    const list = out.get(from) ?? [];
    list.push(e.b);
    out.set(from, list);
  }
  const rings: Ring[] = [];
  for (const [start, list] of out) {
    while (list.length) {
      const ring: Ring = [];
      let at = start;
      let next = list.pop()!;
      ring.push(start.split(',').map(Number) as Pt);
      for (let guard = 0; key(next) !== start; guard++) {
        if (guard > 1_000_000) return null;
        ring.push(next);
        at = key(next);
        const l = out.get(at);
        if (!l || l.length === 0) return null;
        if (l.length > 1) return null; // a vertex where rings meet: leave it to the server
        next = l.pop()!;
      }
      rings.push(simplifyCollinear(ring));
    }
  }
  const outers = rings.filter((r) => !isClockwise(r));
  const holes = rings.filter((r) => isClockwise(r));
  const result: Poly[] = outers.map((o) => [o]);
  for (const h of holes) {
    const owner = result.find((p) => pointInRing(h[0]!, p[0]!));
    if (!owner) return null;
    owner.push(h);
  }
  return result;
}

/** Drops vertices that lie on the straight line between their neighbours (left by cancelled shared edges). */
export function simplifyCollinear(ring: Ring): Ring {
  if (ring.length <= 3) return ring;
  const out = ring.filter((p, i) => {
    const a = ring[(i - 1 + ring.length) % ring.length]!;
    const b = ring[(i + 1) % ring.length]!;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    return Math.abs(cross(a, p, b)) > 1e-9 * Math.max(1, len * len) || !onSegment(p, a, b);
  });
  return out.length >= 3 ? out : ring;
}

/** A server error's location in EPSG:27700: details.location.epsg27700, .input (we send EPSG:27700), or a pair. */
export function locationOf(details: Record<string, unknown> | undefined): Pt | null {
  if (!details) return null;
  const isPair = (v: unknown): v is Pt =>
    Array.isArray(v) && v.length >= 2 && typeof v[0] === 'number' && typeof v[1] === 'number';
  const loc = details.location as unknown;
  if (isPair(loc)) return [loc[0], loc[1]];
  if (loc && typeof loc === 'object') {
    const o = loc as { epsg27700?: unknown; input?: unknown };
    if (isPair(o.epsg27700)) return [o.epsg27700[0], o.epsg27700[1]];
    if (isPair(o.input)) return [o.input[0], o.input[1]];
  }
  for (const k of ['at', 'position', 'point'])
    if (isPair(details[k])) return [(details[k] as Pt)[0], (details[k] as Pt)[1]];
  return null;
}

/** Where p lies on an open ring's edges: edge index + fraction along it, or null when it is not on the ring. */
export function locateOnRing(ring: Ring, p: Pt, tolerance = 1e-6): number | null {
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % n]!;
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const len2 = dx * dx + dy * dy;
    if (len2 === 0) continue;
    const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
    const qx = a[0] + t * dx;
    const qy = a[1] + t * dy;
    if (Math.hypot(p[0] - qx, p[1] - qy) <= tolerance) return t >= 1 ? (i + 1) % n : i + t;
  }
  return null;
}

/**
 * Tracing: the ring's vertices between a and b (both on the ring), the shorter way round, not including a and b.
 * Null when either point is not on the ring.
 */
export function tracePath(ring: Ring, a: Pt, b: Pt, tolerance = 1e-6): Pt[] | null {
  const n = ring.length;
  const pa = locateOnRing(ring, a, tolerance);
  const pb = locateOnRing(ring, b, tolerance);
  if (pa === null || pb === null || n < 3) return null;
  const walk = (from: number, to: number, dir: 1 | -1): Pt[] => {
    const out: Pt[] = [];
    // vertex indices strictly between positions `from` and `to` going in `dir`
    let i = dir === 1 ? Math.floor(from) + 1 : Math.ceil(from) - 1;
    if (dir === -1 && Number.isInteger(from)) i = from - 1;
    for (let k = 0; k <= n; k++) {
      const idx = ((i % n) + n) % n;
      const span = dir === 1 ? (idx - from + n) % n : (from - idx + n) % n;
      const target = dir === 1 ? (to - from + n) % n : (from - to + n) % n;
      if (span === 0 || span >= target) break;
      out.push(ring[idx]!);
      i += dir;
    }
    return out;
  };
  const len = (pts: Pt[]) => {
    const all = [a, ...pts, b];
    let s = 0;
    for (let i = 1; i < all.length; i++) s += Math.hypot(all[i]![0] - all[i - 1]![0], all[i]![1] - all[i - 1]![1]);
    return s;
  };
  const fwd = walk(pa, pb, 1);
  const back = walk(pa, pb, -1);
  return len(fwd) <= len(back) ? fwd : back;
}
