/** The documented subset of OpenLayers flat styles (shared/layer-schema.ts FlatStyle) turned into SVG paint.
 *  Widths and radii in a flat style are CSS pixels, as on the web map (1 px = 1/96 inch), so on paper a
 *  2 px stroke is 0.53 mm whatever the dpi. */
import type { FlatStyle } from '../../shared/layer-schema.ts';

export const CSS_PX_MM = 25.4 / 96;

export interface Paint {
  fill: string | null;
  stroke: string | null;
  /** stroke width in sheet pixels */
  strokeWidth: number;
  dash: number[] | null;
  /** circle radius in sheet pixels, for points */
  radius: number;
  pointFill: string | null;
  pointStroke: string | null;
  pointStrokeWidth: number;
}

/** CSS-pixel lengths of a flat style in pixels of a sheet at `dpi`. */
export function paintOf(style: FlatStyle, dpi: number): Paint {
  const k = dpi / 96;
  return {
    fill: style['fill-color'] ?? null,
    stroke: style['stroke-color'] ?? null,
    strokeWidth: (style['stroke-width'] ?? 1.25) * k,
    dash: style['stroke-line-dash']?.map((d) => d * k) ?? null,
    radius: (style['circle-radius'] ?? 5) * k,
    pointFill: style['circle-fill-color'] ?? style['fill-color'] ?? null,
    pointStroke: style['circle-stroke-color'] ?? style['stroke-color'] ?? null,
    pointStrokeWidth: (style['circle-stroke-width'] ?? style['stroke-width'] ?? 1) * k,
  };
}

const n = (v: number) => String(Math.round(v * 100) / 100);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** SVG presentation attributes for an area or line class. */
export function areaAttrs(p: Paint): string {
  const a = [`fill="${p.fill ? esc(p.fill) : 'none'}"`, 'fill-rule="nonzero"'];
  if (p.stroke && p.strokeWidth > 0) {
    a.push(
      `stroke="${esc(p.stroke)}"`,
      `stroke-width="${n(p.strokeWidth)}"`,
      'stroke-linejoin="round"',
      'stroke-linecap="round"',
    );
    if (p.dash?.length) a.push(`stroke-dasharray="${p.dash.map(n).join(' ')}"`);
  }
  return a.join(' ');
}

/** SVG presentation attributes for a point class (drawn as circles). */
export function pointAttrs(p: Paint): string {
  const a = [`fill="${p.pointFill ? esc(p.pointFill) : 'none'}"`];
  if (p.pointStroke && p.pointStrokeWidth > 0)
    a.push(`stroke="${esc(p.pointStroke)}"`, `stroke-width="${n(p.pointStrokeWidth)}"`);
  return a.join(' ');
}

/** Path data for circles of radius r at each point (two arcs each), all in one path. */
export function circlesPath(points: Array<[number, number]>, r: number): string {
  const rr = n(r);
  const d = n(2 * r);
  return points.map(([x, y]) => `M${n(x - r)} ${n(y)}a${rr} ${rr} 0 1 0 ${d} 0a${rr} ${rr} 0 1 0 -${d} 0Z`).join('');
}

export { esc as escapeXml, n as num };
