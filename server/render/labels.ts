/** Label placement on the map frame (issue 14 item 4): greedy, in priority order. Each label has candidate positions;
 *  the first whose box lies inside the frame and overlaps no label already placed, no marker and no edge of the red
 *  line is taken; a label with no such position is dropped rather than overprinted. Boxes of rotated labels are their
 *  axis-aligned bounds (conservative). Pure; frame pixels. */
import type { Rect } from './panel.ts';
import { textWidth, type FontWeight } from './text.ts';

export interface LabelCandidate {
  /** the anchor point of the text's baseline middle */
  x: number;
  y: number;
  /** degrees, clockwise */
  angle: number;
}

export interface LabelRequest {
  text: string;
  size: number;
  weight: FontWeight;
  fill: string;
  candidates: LabelCandidate[];
  /** what the label is for (a class id), for tests and counts */
  of: string;
}

export interface PlacedLabel {
  text: string;
  size: number;
  weight: FontWeight;
  fill: string;
  x: number;
  y: number;
  angle: number;
  box: Rect;
  of: string;
}

export type Segment = [number, number, number, number];

/** The box a label covers at a candidate (text centred on x, baseline-middle at y), with a small margin. */
export function labelBox(text: string, size: number, weight: FontWeight, c: LabelCandidate): Rect {
  const w = textWidth(text, size, weight) + size * 0.3;
  const h = size * 1.1;
  const a = (c.angle * Math.PI) / 180;
  const cos = Math.abs(Math.cos(a));
  const sin = Math.abs(Math.sin(a));
  const bw = w * cos + h * sin;
  const bh = w * sin + h * cos;
  // the text's centre: half a cap height above the baseline, turned with the text
  const cx = c.x + Math.sin(a) * size * 0.35;
  const cy = c.y - Math.cos(a) * size * 0.35;
  return { x: cx - bw / 2, y: cy - bh / 2, w: bw, h: bh };
}

export const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Does a segment cross or touch a box (Liang–Barsky clipping)? */
export function segmentHitsBox([x1, y1, x2, y2]: Segment, r: Rect): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = x2 - x1;
  const dy = y2 - y1;
  const edges: Array<[number, number]> = [
    [-dx, x1 - r.x],
    [dx, r.x + r.w - x1],
    [-dy, y1 - r.y],
    [dy, r.y + r.h - y1],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
      if (t0 > t1) return false;
    }
  }
  return true;
}

/** The edges of SVG path data as ST_AsSVG writes it (absolute: M x y [L] x y … [Z]). */
export function segmentsOf(d: string | null): Segment[] {
  if (!d) return [];
  const out: Segment[] = [];
  for (const sub of d.split(/(?=M)/)) {
    const nums = (sub.match(/-?\d+(?:\.\d+)?(?:e-?\d+)?/gi) ?? []).map(Number);
    const pts: Array<[number, number]> = [];
    for (let i = 0; i + 1 < nums.length; i += 2) pts.push([nums[i]!, nums[i + 1]!]);
    if (/Z/i.test(sub) && pts.length > 2) pts.push(pts[0]!);
    for (let i = 1; i < pts.length; i++) out.push([pts[i - 1]![0], pts[i - 1]![1], pts[i]![0], pts[i]![1]]);
  }
  return out;
}

export interface Obstacles {
  boxes: Rect[];
  segments: Segment[];
}

/** Places labels in the order given; returns those placed and how many were dropped. */
export function placeLabels(
  requests: LabelRequest[],
  frame: { w: number; h: number },
  obstacles: Obstacles,
): { placed: PlacedLabel[]; dropped: LabelRequest[] } {
  const placed: PlacedLabel[] = [];
  const dropped: LabelRequest[] = [];
  // a coarse grid of what is placed, so that thousands of labels stay fast
  for (const r of requests) {
    let ok: PlacedLabel | null = null;
    for (const c of r.candidates) {
      const box = labelBox(r.text, r.size, r.weight, c);
      if (box.x < 0 || box.y < 0 || box.x + box.w > frame.w || box.y + box.h > frame.h) continue;
      if (placed.some((p) => overlaps(p.box, box))) continue;
      if (obstacles.boxes.some((b) => overlaps(b, box))) continue;
      if (obstacles.segments.some((s) => segmentHitsBox(s, box))) continue;
      ok = {
        text: r.text,
        size: r.size,
        weight: r.weight,
        fill: r.fill,
        x: c.x,
        y: c.y,
        angle: c.angle,
        box,
        of: r.of,
      };
      break;
    }
    if (ok) placed.push(ok);
    else dropped.push(r);
  }
  return { placed, dropped };
}

/** Candidates around a point marker of radius r: right, left, above, below, then the diagonals, then further out. */
export function aroundPoint(x: number, y: number, r: number, textW: number, size: number): LabelCandidate[] {
  const out: LabelCandidate[] = [];
  for (const gap of [r + size * 0.3, r + size * 1.2]) {
    const dx = gap + textW / 2;
    const dy = gap + size * 0.5;
    const base = y + size * 0.35;
    out.push(
      { x: x + dx, y: base, angle: 0 },
      { x: x - dx, y: base, angle: 0 },
      { x, y: y - dy + size * 0.35, angle: 0 },
      { x, y: y + dy + size * 0.35, angle: 0 },
      { x: x + dx, y: y - dy + size * 0.35, angle: 0 },
      { x: x - dx, y: y - dy + size * 0.35, angle: 0 },
      { x: x + dx, y: y + dy + size * 0.35, angle: 0 },
      { x: x - dx, y: y + dy + size * 0.35, angle: 0 },
    );
  }
  return out;
}

/** Candidates along a line: the midpoints of its long straight runs (longest first), the text turned with the run
 *  (never upside down), where the run is at least as long as the text. */
export function alongLine(parts: number[][][], textW: number): LabelCandidate[] {
  const runs: Array<{ len: number; c: LabelCandidate }> = [];
  for (const pts of parts) {
    for (let i = 1; i < pts.length; i++) {
      const [x1, y1] = pts[i - 1] as [number, number];
      const [x2, y2] = pts[i] as [number, number];
      const len = Math.hypot(x2 - x1, y2 - y1);
      if (len < textW * 1.1) continue;
      let angle = (Math.atan2(y2 - y1, x2 - x1) * 180) / Math.PI;
      if (angle > 90) angle -= 180;
      if (angle < -90) angle += 180;
      // the middle, then a third and two thirds along
      for (const t of [0.5, 0.3, 0.7])
        runs.push({ len: len - Math.abs(t - 0.5), c: { x: x1 + (x2 - x1) * t, y: y1 + (y2 - y1) * t, angle } });
    }
  }
  return runs.sort((a, b) => b.len - a.len).map((r) => r.c);
}
