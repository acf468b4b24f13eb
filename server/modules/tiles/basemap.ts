/**
 * The Ordnance Survey base map, proxied: GET /api/basemap says whether it is configured and which styles there are;
 * GET /api/basemap/{style}/{z}/{x}/{y}.png streams the OS Maps API raster tile (EPSG:27700 ZXY, the same grid as
 * Redline's own tiles) with the API key added here. The key never goes to the browser and is never logged (the
 * upstream URL is not logged either; errors name only the style, tile and upstream status).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import type { AppContext } from '../../http/context.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { AppError } from '../../../shared/errors.ts';
import { parseTile } from './service.ts';

export const BASEMAP_STYLES = ['Road_27700', 'Light_27700', 'Outdoor_27700'] as const;
const UPSTREAM_TIMEOUT_MS = 10_000;

const attribution = () =>
  `Contains OS data © Crown copyright and database rights ${new Date().getFullYear()}. Ordnance Survey licence.`;

export function basemapRoutes(ctx: AppContext) {
  const r = Router();
  const staff = requireRole(...PERMISSIONS.referenceRead);
  const key = ctx.config.OS_MAPS_API_KEY;
  const base = ctx.config.OS_MAPS_API_URL.replace(/\/+$/, '');

  r.get('/api/basemap', staff, (_req, res) => {
    res.set('Cache-Control', 'private, no-cache');
    res.json({
      configured: Boolean(key),
      layers: BASEMAP_STYLES,
      attribution: attribution(),
      url: '/api/basemap/{style}/{z}/{x}/{y}.png',
    });
  });

  r.get('/api/basemap/:style/:z/:x/:y.png', staff, async (req, res) => {
    const style = String(req.params.style);
    if (!(BASEMAP_STYLES as readonly string[]).includes(style)) {
      throw new AppError('BASEMAP_STYLE_NOT_FOUND', `There is no base map "${style}".`, {
        style,
        styles: BASEMAP_STYLES,
      });
    }
    const { z, x, y } = parseTile(String(req.params.z), String(req.params.x), String(req.params.y));
    if (!key) {
      throw new AppError(
        'BASEMAP_NOT_CONFIGURED',
        'No Ordnance Survey base map is configured (set OS_MAPS_API_KEY); the map still draws Redline’s own layers.',
      );
    }
    // (a 5xx answer carries only the request id as details, so what went wrong is in the message)
    const failed = (why: string) =>
      new AppError('BASEMAP_UPSTREAM_FAILED', `The Ordnance Survey base map ${why} for ${style} ${z}/${x}/${y}.`);
    let upstream: Response;
    try {
      upstream = await fetch(`${base}/${style}/${z}/${x}/${y}.png?key=${encodeURIComponent(key)}`, {
        signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
        headers: { accept: 'image/png' },
      });
    } catch (e) {
      throw failed((e as Error).name === 'TimeoutError' ? 'timed out' : 'could not be reached');
    }
    if (!upstream.ok || !upstream.body) {
      await upstream.body?.cancel().catch(() => {});
      throw failed(`answered ${upstream.status}`);
    }
    res.status(200).set({
      'Content-Type': upstream.headers.get('content-type') ?? 'image/png',
      'Cache-Control': 'private, max-age=86400',
    });
    const length = upstream.headers.get('content-length');
    if (length) res.set('Content-Length', length);
    try {
      await pipeline(Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream), res);
    } catch {
      // the upstream broke off after the headers went: all that can be done is to end the response unfinished
      res.destroy();
    }
  });
  return r;
}
