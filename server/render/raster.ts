/** SVG to PNG or JPEG with sharp (libvips + librsvg). The image records its dpi (PNG pHYs, JPEG density) so a
 *  ground distance measured on it at that dpi gives the stated scale. */
import sharp from 'sharp';

export type ImageFormat = 'png' | 'jpeg';
export const CONTENT_TYPES: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg' };

// a render is CPU-bound in libvips' own threads; Node's libuv pool only queues it
sharp.cache(false);

export async function rasterise(svg: string, format: ImageFormat, dpi: number): Promise<Buffer> {
  // the SVG's size is in pixels already; density 72 keeps librsvg from scaling it
  const img = sharp(Buffer.from(svg), { density: 72, limitInputPixels: 120_000_000 }).withMetadata({ density: dpi });
  // RGB, no alpha: every sheet is opaque (composeSvg paints the white page first), so dropping the channel keeps
  // every pixel and leaves a quarter less to compress; a PDF embeds an RGB PNG as it is (no decoding, no soft mask)
  if (format === 'png')
    return img.removeAlpha().png({ compressionLevel: 6, adaptiveFiltering: false, palette: false }).toBuffer();
  return img
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 88, chromaSubsampling: '4:4:4', mozjpeg: false })
    .toBuffer();
}
