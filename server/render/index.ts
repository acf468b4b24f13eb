/** The map renderer, a pure drawing library: what to draw (types.ts, gathered by server/modules/maps) → a scene
 *  (scene.ts) → SVG (compose.ts, one <path> per style class) → PNG or JPEG with sharp (raster.ts). See layout.ts for
 *  paper, scale and extent. Nothing here reads the database. */
import { composeSvg, type MapScene } from './compose.ts';
import type { Box } from './layout.ts';
import { rasterise, CONTENT_TYPES, type ImageFormat } from './raster.ts';
import type { MapTemplate } from './types.ts';

export {
  MAP_TEMPLATES,
  TEMPLATE_TITLES,
  type MapTemplate,
  type MapOptions,
  type MapContent,
  type MapFeatureRow,
  type MapLayer,
  type MapRecipient,
  type FramePlan,
  type SceneInput,
} from './types.ts';
export { BASE_STYLES, contentBoxes, numberRanges, opaque, planFrame, sceneOf, sheetWithin } from './scene.ts';
export type { MapScene } from './compose.ts';
export { FIXED_SCALES, DPIS, PAPERS, type Box } from './layout.ts';
export type { ImageFormat } from './raster.ts';

export interface RenderedImage {
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
  /** a one-sentence description of the map, for alt text */
  description: string;
  svg: string;
}

/** A scene as an image: SVG, then PNG or JPEG at the sheet's dpi, with its description for alt text. */
export async function renderScene(
  template: MapTemplate,
  scene: MapScene,
  counts: Record<string, number>,
  format: ImageFormat,
): Promise<RenderedImage> {
  const { dpi } = scene.sheet;
  const svg = composeSvg(scene);
  const image = await rasterise(svg, format, dpi);
  const k = dpi / 25.4;
  const f = scene.sheet.frame;
  return {
    image,
    contentType: CONTENT_TYPES[format],
    widthPx: scene.sheet.widthPx,
    heightPx: scene.sheet.heightPx,
    dpi,
    scale: scene.scale,
    extent: scene.extent,
    framePx: { x: f.x * k, y: f.y * k, w: f.w * k, h: f.h * k },
    description: describe(template, scene.title, scene.scale, counts, scene.subtitle),
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
