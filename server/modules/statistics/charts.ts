/**
 * Server-rendered SVG bar charts (no JavaScript): horizontal bars, stacked when there are several series, with a
 * <title> and <desc> the SVG is labelled by (role="img"), a legend in text, and the numbers written at the bar ends.
 * Each chart on a page has its data table beside it; the chart is a picture of the table, not a replacement.
 * Colours are GOV.UK palette colours with text contrast on white of at least 4.5:1; series are also told apart by
 * the legend order and the table, never by colour alone.
 */

export interface Series {
  name: string;
  colour: string;
}
export interface Bar {
  label: string;
  values: number[];
}
export interface ChartInput {
  id: string;
  title: string;
  desc: string;
  series: Series[];
  bars: Bar[];
  /** the scale's top (default: the largest total) */
  max?: number;
  /** a vertical reference line (e.g. a designation threshold) */
  marker?: { value: number; label: string };
  /** format a value for the end-of-bar label (default: the number) */
  unit?: string;
}

export const COLOURS = {
  green: '#00703c',
  blue: '#1d70b8',
  red: '#d4351c',
  grey: '#505a5f',
  purple: '#4c2c92',
  orange: '#f47738',
} as const;

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const LABEL_W = 330;
const BAR_H = 22;
const GAP = 10;
const PLOT_W = 360;
const RIGHT = 70;
const TOP = 34;

export function barChart(c: ChartInput): string {
  const totals = c.bars.map((b) => b.values.reduce((a, v) => a + v, 0));
  const max = Math.max(c.max ?? 0, ...totals, c.marker?.value ?? 0, 1);
  const x = (v: number) => (v / max) * PLOT_W;
  const width = LABEL_W + PLOT_W + RIGHT;
  const legendY = TOP + c.bars.length * (BAR_H + GAP) + 8;
  const height = legendY + (c.series.length > 1 ? 28 : 4);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="redline-chart" id="${esc(c.id)}" role="img" aria-labelledby="${esc(c.id)}-title ${esc(c.id)}-desc" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" font-family="GDS Transport, arial, sans-serif" font-size="14">`,
    `<title id="${esc(c.id)}-title">${esc(c.title)}</title>`,
    `<desc id="${esc(c.id)}-desc">${esc(c.desc)}</desc>`,
  );
  // scale: 0 and max
  out.push(
    `<g aria-hidden="true"><line x1="${LABEL_W}" y1="${TOP - 8}" x2="${LABEL_W}" y2="${legendY - 6}" stroke="#0b0c0c"/>`,
    `<text x="${LABEL_W}" y="${TOP - 14}" text-anchor="middle" fill="#505a5f" font-size="12">0</text>`,
    `<text x="${LABEL_W + PLOT_W}" y="${TOP - 14}" text-anchor="middle" fill="#505a5f" font-size="12">${esc(fmt(max, c.unit))}</text></g>`,
  );
  c.bars.forEach((b, i) => {
    const y = TOP + i * (BAR_H + GAP);
    out.push(`<g>`);
    out.push(
      `<text x="${LABEL_W - 8}" y="${y + BAR_H / 2 + 5}" text-anchor="end" fill="#0b0c0c">${esc(clip(b.label, 44))}</text>`,
    );
    let at = LABEL_W;
    b.values.forEach((v, k) => {
      if (v <= 0) return;
      const w = x(v);
      out.push(
        `<rect x="${at.toFixed(1)}" y="${y}" width="${Math.max(w, 1).toFixed(1)}" height="${BAR_H}" fill="${c.series[k]!.colour}"><title>${esc(`${b.label}: ${c.series[k]!.name} ${fmt(v, c.unit)}`)}</title></rect>`,
      );
      at += w;
    });
    out.push(
      `<text x="${(at + 6).toFixed(1)}" y="${y + BAR_H / 2 + 5}" fill="#0b0c0c" font-weight="bold">${esc(fmt(totals[i]!, c.unit))}</text>`,
    );
    out.push(`</g>`);
  });
  if (c.marker) {
    const mx = LABEL_W + x(c.marker.value);
    out.push(
      `<g aria-hidden="true"><line x1="${mx.toFixed(1)}" y1="${TOP - 6}" x2="${mx.toFixed(1)}" y2="${legendY - 6}" stroke="#0b0c0c" stroke-width="2" stroke-dasharray="6 4"/>`,
      `<text x="${mx.toFixed(1)}" y="${legendY + 10}" text-anchor="middle" fill="#0b0c0c" font-size="12">${esc(c.marker.label)}</text></g>`,
    );
  }
  if (c.series.length > 1) {
    let lx = 8;
    out.push(`<g aria-hidden="true">`);
    for (const s of c.series) {
      out.push(
        `<rect x="${lx}" y="${legendY + 4}" width="14" height="14" fill="${s.colour}"/>`,
        `<text x="${lx + 20}" y="${legendY + 16}" fill="#0b0c0c" font-size="13">${esc(s.name)}</text>`,
      );
      lx += 28 + s.name.length * 7.2;
    }
    out.push(`</g>`);
  }
  out.push(`</svg>`);
  return out.join('');
}

function fmt(v: number, unit?: string) {
  const n = Number.isInteger(v) ? String(v) : v.toFixed(1);
  return unit ? `${n}${unit}` : n;
}
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
