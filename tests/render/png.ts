/** Reading rendered maps back: the PNG's recorded dpi (pHYs), decoded pixels, and sub-pixel measurements of lines. */
import { PNG } from 'pngjs';

/** The pHYs chunk of a PNG: pixels per metre and its unit (1 = metre), or null when absent. */
export function pngPhys(buf: Buffer): { xPerMetre: number; yPerMetre: number; unit: number } | null {
  let off = 8; // signature
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (type === 'pHYs')
      return {
        xPerMetre: buf.readUInt32BE(off + 8),
        yPerMetre: buf.readUInt32BE(off + 12),
        unit: buf.readUInt8(off + 16),
      };
    if (type === 'IDAT' || type === 'IEND') return null; // pHYs must come before the image data
    off += 12 + len;
  }
  return null;
}

/** The dpi a PNG records (from pHYs in pixels per metre). */
export function pngDpi(buf: Buffer): number | null {
  const p = pngPhys(buf);
  return p && p.unit === 1 ? p.xPerMetre * 0.0254 : null;
}

export interface Raster {
  width: number;
  height: number;
  data: Buffer;
}
export const decode = (buf: Buffer): Raster => PNG.sync.read(buf);

/** How much of pixel (x, y) a colour covers over white, 0…1, from one channel that is 255 on white and `ink` in the colour. */
export function coverage(img: Raster, x: number, y: number, channel: 0 | 1 | 2, ink = 0): number {
  const v = img.data[(y * img.width + x) * 4 + channel]!;
  return Math.min(1, Math.max(0, (255 - v) / (255 - ink)));
}

/** Coverage-weighted centre (in pixel coordinates: pixel i spans [i, i + 1)) of a line crossing a profile. */
export function centroid(profile: Array<{ at: number; w: number }>): number {
  let sw = 0;
  let sx = 0;
  for (const p of profile) {
    sw += p.w;
    sx += p.w * (p.at + 0.5);
  }
  if (sw === 0) throw new Error('no line crosses this profile');
  return sx / sw;
}
