/** The sheet: paper sizes, the map frame on it, scales, and the ground extent the frame shows.
 *  Everything on the sheet is laid out in millimetres, then drawn in pixels at the chosen dpi. */

export const PAPERS = { A4: [210, 297], A3: [297, 420] } as const;
export type Paper = keyof typeof PAPERS;
export type Orientation = 'portrait' | 'landscape';
export const DPIS = [150, 300] as const;
export type Dpi = (typeof DPIS)[number];
/** The scales a plan may be drawn at (the four), and the series "fit" rounds up to. */
export const FIXED_SCALES = [500, 1250, 2500, 5000] as const;
export const FIT_SERIES = [500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000, 7500, 10000] as const;
export const MM_PER_INCH = 25.4;

export interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface Sheet {
  paper: Paper;
  orientation: Orientation;
  dpi: Dpi;
  widthMm: number;
  heightMm: number;
  widthPx: number;
  heightPx: number;
  /** the map frame on the sheet, in mm from the top left */
  frame: { x: number; y: number; w: number; h: number };
  /** the panel under the map: scale bar, north arrow, legend, copyright */
  panel: { x: number; y: number; w: number; h: number };
  marginMm: number;
  titleMm: number;
}

export function sheetFor(paper: Paper, orientation: Orientation, dpi: Dpi): Sheet {
  const [a, b] = PAPERS[paper];
  const widthMm = orientation === 'portrait' ? a : b;
  const heightMm = orientation === 'portrait' ? b : a;
  const marginMm = 10;
  const titleMm = 24;
  const panelMm = paper === 'A3' ? 52 : 46;
  const frame = {
    x: marginMm,
    y: marginMm + titleMm,
    w: widthMm - 2 * marginMm,
    h: heightMm - 2 * marginMm - titleMm - panelMm,
  };
  const panel = { x: marginMm, y: frame.y + frame.h, w: frame.w, h: panelMm };
  return {
    paper,
    orientation,
    dpi,
    widthMm,
    heightMm,
    widthPx: Math.round((widthMm / MM_PER_INCH) * dpi),
    heightPx: Math.round((heightMm / MM_PER_INCH) * dpi),
    frame,
    panel,
    marginMm,
    titleMm,
  };
}

/** Pixels per millimetre of paper. */
export const pxPerMm = (dpi: number) => dpi / MM_PER_INCH;
/** Ground metres one pixel covers at a scale and dpi. */
export const metresPerPixel = (scale: number, dpi: number) => (scale * MM_PER_INCH) / 1000 / dpi;

/** The smallest scale of the series at which `content` (plus a margin of 10% of the frame on every side) fits the
 *  frame; never larger than 1:500. Returns null when not even the series' last scale fits. */
export function fitScale(sheet: Sheet, content: Box, series: readonly number[] = FIT_SERIES): number | null {
  const w = content.maxX - content.minX;
  const h = content.maxY - content.minY;
  const usableW = (sheet.frame.w * 0.8) / 1000; // metres of paper
  const usableH = (sheet.frame.h * 0.8) / 1000;
  const needed = Math.max(w / usableW, h / usableH);
  for (const s of series) if (s >= needed) return s;
  return null;
}

/** Does `content` fit in the frame at `scale` when centred? */
export function fitsAt(sheet: Sheet, content: Box, scale: number): boolean {
  return (
    content.maxX - content.minX <= (sheet.frame.w / 1000) * scale &&
    content.maxY - content.minY <= (sheet.frame.h / 1000) * scale
  );
}

/** The ground box the map frame shows at `scale`, centred on `centre`, in EPSG:27700 metres. */
export function frameExtent(sheet: Sheet, centre: [number, number], scale: number): Box {
  const halfW = ((sheet.frame.w / 1000) * scale) / 2;
  const halfH = ((sheet.frame.h / 1000) * scale) / 2;
  return { minX: centre[0] - halfW, minY: centre[1] - halfH, maxX: centre[0] + halfW, maxY: centre[1] + halfH };
}

/** A scale bar length: about a quarter of the frame width, rounded down to 1, 2 or 5 × 10ⁿ metres. */
export function scaleBarMetres(sheet: Sheet, scale: number): number {
  const target = ((sheet.frame.w / 1000) * scale) / 4;
  const p = 10 ** Math.floor(Math.log10(target));
  for (const m of [5, 2, 1]) if (m * p <= target) return m * p;
  return p;
}
