/** A map sheet as SVG: title band, the map frame (one <path> per style class, clipped to the frame), and the
 *  panel under it with scale bar, north arrow, legend and the copyright and licence statements. Pure: the scene
 *  comes from server/render/scene.ts; sizes are in sheet pixels at the sheet's dpi. */
import { metresPerPixel, pxPerMm, scaleBarMetres, type Box, type Sheet } from './layout.ts';
import { areaAttrs, circlesPath, escapeXml, num, pointAttrs, type Paint } from './style.ts';
import { textPath, textWidth, wrapText } from './text.ts';

export interface SceneClass {
  id: string;
  /** legend label; no legend entry when absent */
  label?: string;
  kind: 'area' | 'point';
  paint: Paint;
  /** path data in frame pixels */
  d: string | null;
  /** points in frame pixels */
  pts: Array<[number, number]> | null;
}

export interface SceneLabel {
  x: number;
  y: number;
  text: string;
}

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
  /** numbered markers (neighbour maps), in frame pixels */
  labels: SceneLabel[];
  /** copyright and licence statements, one per source */
  copyright: string[];
  /** what fit chose or what was asked, e.g. "fit to the site" */
  scaleNote?: string;
}

const pt = (sheet: Sheet, points: number) => (points * sheet.dpi) / 72;

export function composeSvg(scene: MapScene): string {
  const { sheet } = scene;
  const k = pxPerMm(sheet.dpi);
  const fx = sheet.frame.x * k;
  const fy = sheet.frame.y * k;
  const fw = sheet.frame.w * k;
  const fh = sheet.frame.h * k;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${sheet.widthPx}" height="${sheet.heightPx}" viewBox="0 0 ${sheet.widthPx} ${sheet.heightPx}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<defs><clipPath id="frame"><rect x="0" y="0" width="${num(fw)}" height="${num(fh)}"/></clipPath></defs>`,
  );

  // ---- the map
  out.push(`<g transform="translate(${num(fx)} ${num(fy)})" clip-path="url(#frame)">`);
  for (const c of scene.classes) {
    if (c.d) out.push(`<path class="${escapeXml(c.id)}" ${areaAttrs(c.paint)} d="${c.d}"/>`);
    if (c.pts?.length)
      out.push(`<path class="${escapeXml(c.id)}" ${pointAttrs(c.paint)} d="${circlesPath(c.pts, c.paint.radius)}"/>`);
  }
  if (scene.labels.length) {
    const size = pt(sheet, 7);
    const d = scene.labels.map((l) => textPath(l.text, l.x, l.y + size * 0.35, size, { weight: 'bold' })).join('');
    out.push(
      `<path class="label-halo" fill="none" stroke="#ffffff" stroke-width="${num(size * 0.25)}" stroke-linejoin="round" d="${d}"/>`,
    );
    out.push(`<path class="label" fill="#000000" d="${d}"/>`);
  }
  out.push('</g>');
  out.push(
    `<rect x="${num(fx)}" y="${num(fy)}" width="${num(fw)}" height="${num(fh)}" fill="none" stroke="#000000" stroke-width="${num(0.3 * k)}"/>`,
  );

  // ---- title band
  const titleSize = pt(sheet, 14);
  const subSize = pt(sheet, 9.5);
  const tx = sheet.marginMm * k;
  let ty = sheet.marginMm * k + titleSize;
  const text: string[] = [];
  text.push(textPath(scene.title, tx, ty, titleSize, { weight: 'bold' }));
  text.push(textPath(scene.authority, fx + fw, ty, subSize, { anchor: 'end' }));
  for (const line of scene.subtitle.slice(0, 2)) {
    ty += subSize * 1.45;
    text.push(textPath(fitLine(line, subSize, fw), tx, ty, subSize));
  }

  // ---- panel: scale bar (left), legend (middle), north arrow (right), copyright (bottom)
  const px0 = sheet.panel.x * k;
  const py0 = sheet.panel.y * k + 4 * k;
  const small = pt(sheet, 7.5);
  const res = metresPerPixel(scene.scale, sheet.dpi);
  const barM = scaleBarMetres(sheet, scene.scale);
  const barPx = barM / res;
  const barH = 1.6 * k;
  const barY = py0 + small * 1.6;
  const shapes: string[] = [];
  const segs = 4;
  for (let i = 0; i < segs; i++) {
    const x = px0 + (barPx * i) / segs;
    shapes.push(
      `<rect x="${num(x)}" y="${num(barY)}" width="${num(barPx / segs)}" height="${num(barH)}" fill="${i % 2 ? '#ffffff' : '#000000'}" stroke="#000000" stroke-width="${num(0.15 * k)}"/>`,
    );
  }
  text.push(textPath('0', px0, barY - small * 0.4, small, { anchor: 'middle' }));
  text.push(textPath(String(barM / 2), px0 + barPx / 2, barY - small * 0.4, small, { anchor: 'middle' }));
  text.push(textPath(`${barM} m`, px0 + barPx, barY - small * 0.4, small, { anchor: 'start' }));
  const scaleLine = `Scale 1:${scene.scale.toLocaleString('en-GB')} at ${sheet.paper} ${sheet.orientation}${scene.scaleNote ? ` (${scene.scaleNote})` : ''}`;
  text.push(textPath(scaleLine, px0, barY + barH + small * 1.5, small));
  text.push(textPath('British National Grid (EPSG:27700)', px0, barY + barH + small * 2.9, small));

  // north arrow: grid north, top right of the panel
  const na = 9 * k;
  const nx = fx + fw - na * 0.6;
  const ny = py0 + small * 1.2;
  shapes.push(
    `<path d="M${num(nx)} ${num(ny)}L${num(nx - na * 0.32)} ${num(ny + na)}L${num(nx)} ${num(ny + na * 0.72)}Z" fill="#000000"/>`,
    `<path d="M${num(nx)} ${num(ny)}L${num(nx + na * 0.32)} ${num(ny + na)}L${num(nx)} ${num(ny + na * 0.72)}Z" fill="#ffffff" stroke="#000000" stroke-width="${num(0.2 * k)}"/>`,
  );
  text.push(textPath('N', nx, ny + na + small * 1.3, small, { anchor: 'middle', weight: 'bold' }));

  // copyright and licence, wrapped, at the foot of the panel (laid out first: the legend stops above it)
  const tiny = pt(sheet, 6.5);
  const lines = scene.copyright.flatMap((s) => wrapText(s, tiny, fw));
  const maxLines = 5;
  let cy = sheet.panel.y * k + sheet.panel.h * k - tiny * 0.6 - (Math.min(lines.length, maxLines) - 1) * tiny * 1.3;
  const copyrightTop = lines.length ? cy - tiny * 1.3 : sheet.panel.y * k + sheet.panel.h * k;
  for (const line of lines.slice(0, maxLines)) {
    text.push(textPath(line, px0, cy, tiny));
    cy += tiny * 1.3;
  }

  // legend: between the scale bar block (as wide as its longest line) and the north arrow, in as few columns as
  // fit above the copyright lines; a label too long for its column wraps onto a second line rather than being cut
  const legend = scene.classes.filter((c) => c.label);
  const scaleBlockW =
    Math.max(
      barPx + textWidth(`${barM} m`, small) + 2 * k,
      textWidth(scaleLine, small),
      textWidth('British National Grid (EPSG:27700)', small),
    ) +
    6 * k;
  const lx0 = px0 + Math.max(scaleBlockW, 62 * k);
  const lw = nx - na - lx0;
  const rowH = small * 1.7;
  const lineH = small * 1.2;
  const sw = 6 * k;
  const sh = small * 1.1;
  const top = py0 + small * 1.6;
  const layout = (cols: number) => {
    const colW = lw / cols;
    const perCol = Math.ceil(legend.length / cols);
    const wrapped = legend.map((c) => twoLines(c.label!, small, colW - sw - 3 * k));
    const heights = Array.from({ length: cols }, (_, col) =>
      wrapped.slice(col * perCol, (col + 1) * perCol).reduce((h, w) => h + rowH + (w.length - 1) * lineH, 0),
    );
    return { colW, perCol, wrapped, height: Math.max(0, ...heights) };
  };
  let cols = legend.length > 4 ? 2 : 1;
  let lay = layout(cols);
  while (cols < 4 && lay.height > copyrightTop - top) lay = layout(++cols);
  text.push(textPath('Key', lx0, py0 + small, small, { weight: 'bold' }));
  let y = top;
  legend.forEach((c, i) => {
    const col = Math.floor(i / lay.perCol);
    if (i % lay.perCol === 0) y = top;
    const x = lx0 + col * lay.colW;
    const label = lay.wrapped[i]!;
    if (c.kind === 'point')
      shapes.push(
        `<path ${pointAttrs(c.paint)} d="${circlesPath([[x + sw / 2, y + sh / 2]], Math.min(c.paint.radius, sh / 2))}"/>`,
      );
    else
      shapes.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(sw)}" height="${num(sh)}" ${areaAttrs(c.paint)}/>`);
    label.forEach((line, j) => text.push(textPath(line, x + sw + 2 * k, y + sh * 0.85 + j * lineH, small)));
    y += rowH + (label.length - 1) * lineH;
  });

  out.push(...shapes);
  out.push(`<path class="text" fill="#000000" d="${text.join('')}"/>`);
  out.push('</svg>');
  return out.join('\n');
}

/** A label in at most two lines of `maxWidth` (the second cut with an ellipsis when even two are not enough). */
function twoLines(label: string, size: number, maxWidth: number): string[] {
  if (textWidth(label, size) <= maxWidth) return [label];
  const lines = wrapText(label, size, maxWidth);
  return [
    fitLine(lines[0]!, size, maxWidth),
    ...(lines.length > 1 ? [fitLine(lines.slice(1).join(' '), size, maxWidth)] : []),
  ];
}

/** Cuts a line to `maxWidth`, ending it with an ellipsis. */
function fitLine(line: string, size: number, maxWidth: number): string {
  if (textWidth(line, size) <= maxWidth) return line;
  let s = line;
  while (s.length > 1 && textWidth(`${s}…`, size) > maxWidth) s = s.slice(0, -1);
  return `${s.trimEnd()}…`;
}
