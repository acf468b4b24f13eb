/** The map renderer: styles → SVG (one <path> per style class) → PNG or JPEG with sharp. See scene.ts for what each
 *  template draws, compose.ts for the sheet, layout.ts for paper, scale and extent. */
import type { Knex } from 'knex';
import { composeSvg } from './compose.ts';
import type { Box } from './layout.ts';
import { rasterise, CONTENT_TYPES, type ImageFormat } from './raster.ts';
import { buildScene, type MapOptions, type MapSubject, type MapTemplate } from './scene.ts';

export { MAP_TEMPLATES, TEMPLATE_TITLES, type MapTemplate, type MapOptions, type MapSubject } from './scene.ts';
export { FIXED_SCALES, DPIS, PAPERS } from './layout.ts';
export type { ImageFormat } from './raster.ts';

export interface RenderedMap {
  image: Buffer;
  contentType: string;
  widthPx: number;
  heightPx: number;
  dpi: number;
  scale: number;
  /** the frame's ground extent, EPSG:27700 */
  extent: Box;
  /** the map frame on the image, in pixels */
  framePx: { x: number; y: number; w: number; h: number };
  counts: Record<string, number>;
  runId: number | null;
  checkId: number | null;
  reference: string | null;
  /** a one-sentence description of the map, for alt text */
  description: string;
  svg: string;
}

export async function renderMap(
  db: Knex,
  authorityId: number,
  template: MapTemplate,
  opts: MapOptions & { format: ImageFormat },
  subject: MapSubject,
  maxPixels: number,
): Promise<RenderedMap> {
  const built = await buildScene(db, authorityId, template, opts, subject, maxPixels);
  const { scene } = built;
  const svg = composeSvg(scene);
  const image = await rasterise(svg, opts.format, opts.dpi);
  const k = opts.dpi / 25.4;
  const f = scene.sheet.frame;
  return {
    image,
    contentType: CONTENT_TYPES[opts.format],
    widthPx: scene.sheet.widthPx,
    heightPx: scene.sheet.heightPx,
    dpi: opts.dpi,
    scale: scene.scale,
    extent: scene.extent,
    framePx: { x: f.x * k, y: f.y * k, w: f.w * k, h: f.h * k },
    counts: built.counts,
    runId: built.runId,
    checkId: built.checkId,
    reference: built.reference,
    description: describe(template, scene.title, scene.scale, built.counts, scene.subtitle),
    svg,
  };
}

function describe(
  template: MapTemplate,
  title: string,
  scale: number,
  counts: Record<string, number>,
  subtitle: string[],
): string {
  const where = subtitle.length ? ` for ${subtitle.join(', ')}` : '';
  const base = `${title}${where} at a scale of 1:${scale.toLocaleString('en-GB')}, showing the site outlined in red`;
  if (template === 'neighbours')
    return `${base}, the selection area, and ${counts.recipient ?? 0} notified addresses numbered as in the list of recipients.`;
  if (template === 'constraints') {
    const layers = Object.keys(counts).filter((k) => k.startsWith('layer:') && counts[k]).length;
    return `${base} and the features of ${layers} constraint layer${layers === 1 ? '' : 's'} that apply to it, with a key.`;
  }
  return `${base} and the surrounding property outlines.`;
}
