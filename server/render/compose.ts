/** A map sheet as SVG: title band, the map frame (one <path> per style class, clipped to the frame), and the
 *  panel under it with scale bar, north arrow, legend and the copyright and licence statements. Pure: the scene
 *  comes from server/render/scene.ts; sizes are in sheet pixels at the sheet's dpi. */
import { metresPerPixel, pxPerMm, scaleBarMetres, type Box, type Sheet } from './layout.ts';
import { areaAttrs, circlesPath, escapeXml, num, pointAttrs, type Paint } from './style.ts';
import type { PlacedLabel } from './labels.ts';
import { panelLayout, scaleBlockWidth, scaleLineOf, GRID, type PanelLayout } from './panel.ts';
import { textPath, textWidth } from './text.ts';

export interface SceneClass {
  id: string;
  /** legend label; no legend entry when absent */
  label?: string;
  kind: 'area' | 'point' | 'line';
  paint: Paint;
  /** path data in frame pixels */
  d: string | null;
  /** points in frame pixels */
  pts: Array<[number, number]> | null;
  /** areas filled with hatching (the paint's fill is url(#<id>)): lines of `color`, `width` px, every `spacing` px */
  hatch?: { id: string; angle: number; spacing: number; width: number; color: string };
}

/** A label placed on the map (labels.ts): baseline middle at x, y, turned by angle degrees about it. */
export type SceneLabel = PlacedLabel;

export interface MapScene {
  sheet: Sheet;
  scale: number;
  extent: Box;
  title: string;
  /** lines under the title: case reference, address */
  subtitle: string[];
  /** top right of the title band: the authority */
  authority: string;
  classes: SceneClass[];
  /** labels placed on the map (numbers of notified addresses, constraint features, road names, house numbers), in
   *  frame pixels, none overlapping another or the red line */
  labels: SceneLabel[];
  /** copyright and licence statements, one per source */
  copyright: string[];
  /** what fit chose or what was asked, e.g. "fit to the site" */
  scaleNote?: string;
}

const pt = (sheet: Sheet, points: number) => (points * sheet.dpi) / 72;

/** Where things are on the sheet, in sheet pixels: the map frame, the panel's top left, the panel's small type. */
interface Geometry {
  sheet: Sheet;
  /** pixels per mm */
  k: number;
  fx: number;
  fy: number;
  fw: number;
  fh: number;
  px0: number;
  py0: number;
  small: number;
}

/** What is drawn on the sheet outside the map: filled shapes, and text outlines (one path at the end). */
interface Ink {
  shapes: string[];
  text: string[];
}

function geometryOf(sheet: Sheet): Geometry {
  const k = pxPerMm(sheet.dpi);
  return {
    sheet,
    k,
    fx: sheet.frame.x * k,
    fy: sheet.frame.y * k,
    fw: sheet.frame.w * k,
    fh: sheet.frame.h * k,
    px0: sheet.panel.x * k,
    py0: sheet.panel.y * k + 4 * k,
    small: pt(sheet, 7.5),
  };
}

/** The map: one <path> per style class, clipped to the frame, the numbered labels, and the frame's border. */
function mapFrame(scene: MapScene, g: Geometry): string[] {
  const { sheet, k, fx, fy, fw, fh } = g;
  const out = [`<g transform="translate(${num(fx)} ${num(fy)})" clip-path="url(#frame)">`];
  for (const c of scene.classes) {
    if (c.d && c.hatch) out.push(...hatchedArea(c, c.hatch, fw, fh));
    else if (c.d) out.push(`<path class="${escapeXml(c.id)}" ${areaAttrs(c.paint)} d="${c.d}"/>`);
    if (c.pts?.length)
      out.push(`<path class="${escapeXml(c.id)}" ${pointAttrs(c.paint)} d="${circlesPath(c.pts, c.paint.radius)}"/>`);
  }
  // labels: a white halo under each, then the text; labels that are not turned share one path per colour
  const flat = new Map<string, string[]>();
  const turned: string[] = [];
  for (const l of scene.labels) {
    const d = textPath(l.text, 0, 0, l.size, { anchor: 'middle', weight: l.weight });
    const halo = `stroke="#ffffff" stroke-width="${num(l.size * 0.25)}" stroke-linejoin="round"`;
    if (l.angle) {
      const tr = `transform="translate(${num(l.x)} ${num(l.y)}) rotate(${num(l.angle)})"`;
      turned.push(`<path class="label-halo" ${tr} fill="none" ${halo} d="${d}"/>`);
      turned.push(`<path class="label" ${tr} fill="${escapeXml(l.fill)}" d="${d}"/>`);
    } else {
      const dd = textPath(l.text, l.x, l.y, l.size, { anchor: 'middle', weight: l.weight });
      flat.set(l.fill, [...(flat.get(l.fill) ?? []), dd]);
    }
  }
  const allFlat = [...flat.values()].flat().join('');
  if (allFlat)
    out.push(
      `<path class="label-halo" fill="none" stroke="#ffffff" stroke-width="${num(pt(sheet, 7) * 0.25)}" stroke-linejoin="round" d="${allFlat}"/>`,
    );
  out.push(...turned);
  for (const [fill, ds] of flat) out.push(`<path class="label" fill="${escapeXml(fill)}" d="${ds.join('')}"/>`);
  out.push('</g>');
  out.push(
    `<rect x="${num(fx)}" y="${num(fy)}" width="${num(fw)}" height="${num(fh)}" fill="none" stroke="#000000" stroke-width="${num(0.3 * k)}"/>`,
  );
  return out;
}

/**
 * A hatched area on the map: parallel lines across the whole frame, clipped to the class's areas, then the outlines.
 * (Not an SVG <pattern>: librsvg fills a rotated pattern over a large area a hundred times more slowly than it
 * strokes a few hundred clipped lines.)
 */
function hatchedArea(c: SceneClass, h: NonNullable<SceneClass['hatch']>, fw: number, fh: number): string[] {
  const id = escapeXml(c.id);
  const clip = `clip-${escapeXml(h.id)}`;
  const a = (h.angle * Math.PI) / 180;
  const [dx, dy] = [Math.cos(a), Math.sin(a)];
  const [nx, ny] = [-dy, dx];
  const r = Math.hypot(fw, fh) / 2;
  const [cx, cy] = [fw / 2, fh / 2];
  const n = Math.ceil(r / h.spacing);
  const lines: string[] = [];
  for (let i = -n; i <= n; i++) {
    const o = i * h.spacing + h.width / 2;
    const [px, py] = [cx + o * nx, cy + o * ny];
    lines.push(`M${num(px - r * dx)} ${num(py - r * dy)}L${num(px + r * dx)} ${num(py + r * dy)}`);
  }
  return [
    `<clipPath id="${clip}"><path clip-rule="nonzero" d="${c.d}"/></clipPath>`,
    `<path class="${id} hatch" clip-path="url(#${clip})" fill="none" stroke="${escapeXml(h.color)}" stroke-width="${num(h.width)}" d="${lines.join('')}"/>`,
    `<path class="${id}" ${areaAttrs({ ...c.paint, fill: null })} d="${c.d}"/>`,
  ];
}

/** Title band: the title, the authority (top right), and up to two lines of subtitle. */
function titleBand(scene: MapScene, g: Geometry, ink: Ink): void {
  const { sheet, k, fx, fw } = g;
  const titleSize = pt(sheet, 14);
  const subSize = pt(sheet, 9.5);
  const tx = sheet.marginMm * k;
  let ty = sheet.marginMm * k + titleSize;
  ink.text.push(textPath(scene.title, tx, ty, titleSize, { weight: 'bold' }));
  ink.text.push(textPath(scene.authority, fx + fw, ty, subSize, { anchor: 'end' }));
  for (const line of scene.subtitle.slice(0, 2)) {
    ty += subSize * 1.45;
    ink.text.push(textPath(fitLine(line, subSize, fw), tx, ty, subSize));
  }
}

/** Scale bar (left of the panel), with the scale and the grid stated under it. Returns the block's width. */
function scaleBar(scene: MapScene, g: Geometry, ink: Ink): number {
  const { sheet, k, px0, py0, small } = g;
  const res = metresPerPixel(scene.scale, sheet.dpi);
  const barM = scaleBarMetres(sheet, scene.scale);
  const barPx = barM / res;
  const barH = 1.6 * k;
  const barY = py0 + small * 1.6;
  const segs = 4;
  for (let i = 0; i < segs; i++) {
    const x = px0 + (barPx * i) / segs;
    ink.shapes.push(
      `<rect x="${num(x)}" y="${num(barY)}" width="${num(barPx / segs)}" height="${num(barH)}" fill="${i % 2 ? '#ffffff' : '#000000'}" stroke="#000000" stroke-width="${num(0.15 * k)}"/>`,
    );
  }
  ink.text.push(textPath('0', px0, barY - small * 0.4, small, { anchor: 'middle' }));
  ink.text.push(textPath(String(barM / 2), px0 + barPx / 2, barY - small * 0.4, small, { anchor: 'middle' }));
  ink.text.push(textPath(`${barM} m`, px0 + barPx, barY - small * 0.4, small, { anchor: 'start' }));
  const scaleLine = scaleLineOf(sheet, scene.scale, scene.scaleNote);
  ink.text.push(textPath(scaleLine, px0, barY + barH + small * 1.5, small));
  ink.text.push(textPath(GRID, px0, barY + barH + small * 2.9, small));
  return scaleBlockWidth(sheet, scene.scale, scene.scaleNote);
}

/** Grid north arrow, top right of the panel. Returns its left edge (the legend stops there). */
function northArrow(g: Geometry, ink: Ink): number {
  const { k, fx, fw, py0, small } = g;
  const na = 9 * k;
  const nx = fx + fw - na * 0.6;
  const ny = py0 + small * 1.2;
  ink.shapes.push(
    `<path d="M${num(nx)} ${num(ny)}L${num(nx - na * 0.32)} ${num(ny + na)}L${num(nx)} ${num(ny + na * 0.72)}Z" fill="#000000"/>`,
    `<path d="M${num(nx)} ${num(ny)}L${num(nx + na * 0.32)} ${num(ny + na)}L${num(nx)} ${num(ny + na * 0.72)}Z" fill="#ffffff" stroke="#000000" stroke-width="${num(0.2 * k)}"/>`,
  );
  ink.text.push(textPath('N', nx, ny + na + small * 1.3, small, { anchor: 'middle', weight: 'bold' }));
  return nx - na;
}

/** The panel's key and copyright statement as laid out by panel.ts (nothing cut, nothing overprinted). */
export function sheetPanel(scene: MapScene): PanelLayout {
  const labels = scene.classes.filter((c) => c.label).map((c) => c.label!);
  return panelLayout(scene.sheet, labels, scene.copyright, scaleBlockWidth(scene.sheet, scene.scale, scene.scaleNote));
}

/** The copyright statement and the key: a swatch and a wrapped label per class. */
function panelBlocks(scene: MapScene, ink: Ink): void {
  const p = sheetPanel(scene);
  for (const l of p.copyright.lines) ink.text.push(textPath(l.text, l.x, l.y, p.copyright.size));
  const legend = scene.classes.filter((c) => c.label);
  if (!legend.length) return;
  const size = p.key.size;
  ink.text.push(textPath(p.key.heading.text, p.key.heading.x, p.key.heading.y, size, { weight: 'bold' }));
  legend.forEach((c, i) => {
    const e = p.key.entries[i]!;
    const { x, y, w, h } = e.swatch;
    if (c.kind === 'point')
      ink.shapes.push(
        `<path ${pointAttrs(c.paint)} d="${circlesPath([[x + w / 2, y + h / 2]], Math.min(c.paint.radius, h / 2))}"/>`,
      );
    else if (c.kind === 'line') {
      // a cased line (roads, railways) shows its casing and the line drawn over it
      const inner = c.id.endsWith('-casing') ? scene.classes.find((o) => o.id === c.id.slice(0, -7)) : undefined;
      for (const paint of inner ? [c.paint, inner.paint] : [c.paint])
        ink.shapes.push(
          `<path ${areaAttrs({ ...paint, fill: null, dash: paint.dash && paint.dash.map((v) => v / 2) })} d="M${num(x)} ${num(y + h / 2)}L${num(x + w)} ${num(y + h / 2)}"/>`,
        );
    } else
      ink.shapes.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" ${areaAttrs(c.paint)}/>`);
    for (const l of e.lines) ink.text.push(textPath(l.text, l.x, l.y, size));
  });
}

/** One pattern per hatched class, for its key swatch: opaque lines, so that where two hatched areas overlap each keeps
 *  its own colour (no mixed colour that is not in the key), and what lies beneath shows between the lines. The map
 *  itself draws the same lines clipped to the areas (hatchedArea). */
function hatchDefs(scene: MapScene): string {
  return scene.classes
    .filter((c) => c.hatch)
    .map(({ hatch: h }) => {
      const s = num(h!.spacing);
      return `<pattern id="${escapeXml(h!.id)}" patternUnits="userSpaceOnUse" width="${s}" height="${s}" patternTransform="rotate(${h!.angle})"><rect x="0" y="0" width="${s}" height="${num(h!.width)}" fill="${escapeXml(h!.color)}"/></pattern>`;
    })
    .join('');
}

export function composeSvg(scene: MapScene): string {
  const { sheet } = scene;
  const g = geometryOf(sheet);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${sheet.widthPx}" height="${sheet.heightPx}" viewBox="0 0 ${sheet.widthPx} ${sheet.heightPx}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<defs>${hatchDefs(scene)}<clipPath id="frame"><rect x="0" y="0" width="${num(g.fw)}" height="${num(g.fh)}"/></clipPath></defs>`,
    ...mapFrame(scene, g),
  ];
  // the panel under the map: scale bar (left), legend (middle), north arrow (right), copyright (bottom, laid out
  // before the legend, which stops above it)
  const ink: Ink = { shapes: [], text: [] };
  titleBand(scene, g, ink);
  scaleBar(scene, g, ink);
  northArrow(g, ink);
  panelBlocks(scene, ink);
  out.push(...ink.shapes);
  out.push(`<path class="text" fill="#000000" d="${ink.text.join('')}"/>`);
  out.push('</svg>');
  return out.join('\n');
}

/** Cuts a line to `maxWidth`, ending it with an ellipsis. */
function fitLine(line: string, size: number, maxWidth: number): string {
  if (textWidth(line, size) <= maxWidth) return line;
  let s = line;
  while (s.length > 1 && textWidth(`${s}…`, size) > maxWidth) s = s.slice(0, -1);
  return `${s.trimEnd()}…`;
}
