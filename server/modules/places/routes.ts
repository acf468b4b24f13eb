/**
 * GET /api/places?q= — finding a place: a postcode (full, sector or outward code), a street, a street and number,
 * a UPRN, an easting/northing, a latitude/longitude or an OS grid reference (read by shared/place.ts). Results are
 * ranked and limited; each has a point (x, y, EPSG:27700) and, where it has one, a box to zoom to (an address's
 * property outline, a street's or a postcode's extent, a grid reference's square).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { parseQuery } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { parsePlace } from '../../../shared/place.ts';
import * as repo from './repo.ts';
import type { BBox } from './repo.ts';

export const PlacesQuery = z
  .object({
    q: z.string().trim().min(1, 'type something to search for').max(200),
    limit: z.coerce.number().int().min(1).max(50).optional(),
  })
  .strict();

export interface PlaceItem {
  kind: 'address' | 'street' | 'postcode' | 'coordinates';
  label: string;
  x: number;
  y: number;
  bbox?: BBox;
  uprn?: string;
  count?: number;
}

const FULL_POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$/i;
const SECTOR = /^([A-Z]{1,2}[0-9][A-Z0-9]?)\s+([0-9])$/i;
const OUTWARD = /^([A-Z]{1,2}[0-9][A-Z0-9]?)$/i;
const UPRN = /^[0-9]{1,12}$/;

/** A box at least `min` metres across around a point or a box (so one address or a single point still zooms). */
const padded = (b: BBox, min = 40): BBox => {
  const w = Math.max(0, min - (b[2] - b[0])) / 2;
  const h = Math.max(0, min - (b[3] - b[1])) / 2;
  return [b[0] - w, b[1] - h, b[2] + w, b[3] + h];
};

export async function searchPlaces(
  ctx: AppContext,
  q: string,
  limit: number,
): Promise<{ items: PlaceItem[]; message?: string }> {
  const items: PlaceItem[] = [];
  const text = q.replace(/\s+/g, ' ').trim();
  let message: string | undefined;

  const coords = parsePlace(text);
  let coordItem: PlaceItem | null = null;
  if (coords?.ok) {
    const p = coords.place;
    const bbox = p.bbox ?? padded([p.x, p.y, p.x, p.y], 100);
    coordItem = { kind: 'coordinates', label: p.label, x: p.x, y: p.y, bbox };
  } else if (coords) {
    message = coords.message;
  }
  // "SE1 1" is a postcode sector and a 10 km grid square: a postcode-like text puts the coordinates last
  const postcodeLike = FULL_POSTCODE.test(text) || SECTOR.test(text) || OUTWARD.test(text);
  if (coordItem && !postcodeLike) items.push(coordItem);

  if (UPRN.test(text)) {
    for (const a of await repo.addressByUprn(ctx.db, text)) items.push(addressItem(a));
  }

  let m = FULL_POSTCODE.exec(text);
  if (m) {
    const outward = (m[1] ?? '').toUpperCase();
    const inward = (m[2] ?? '').toUpperCase();
    const [group] = await repo.postcodeGroups(ctx.db, outward, inward, 1);
    if (group) {
      items.push({
        kind: 'postcode',
        label: `${outward} ${inward}`,
        x: group.x,
        y: group.y,
        bbox: padded(group.bbox),
        count: group.count,
      });
      for (const a of await repo.addressesInPostcode(ctx.db, outward + inward, limit)) items.push(addressItem(a));
    }
  } else if ((m = SECTOR.exec(text) ?? OUTWARD.exec(text))) {
    const outward = (m[1] ?? '').toUpperCase();
    const sector = m[2] ?? '';
    const area = await repo.postcodeArea(ctx.db, outward, sector);
    if (area) {
      items.push({
        kind: 'postcode',
        label: area.label,
        x: area.x,
        y: area.y,
        bbox: padded(area.bbox),
        count: area.count,
      });
      for (const g of await repo.postcodeGroups(ctx.db, outward, sector, limit)) {
        items.push({ kind: 'postcode', label: g.label, x: g.x, y: g.y, bbox: padded(g.bbox), count: g.count });
      }
    }
  }

  // street, street and number, or any words of an address (not for bare numbers and coordinates)
  if (!coords?.ok && !UPRN.test(text) && /[a-z]/i.test(text) && text.length >= 2) {
    const numbered = /^(flat\s+\S+,?\s+)?[0-9]/i.test(text);
    if (!numbered && !FULL_POSTCODE.test(text)) {
      for (const s of await repo.streetsMatching(ctx.db, text, 5)) {
        items.push({ kind: 'street', label: s.label, x: s.x, y: s.y, bbox: padded(s.bbox), count: s.count });
      }
    }
    const words = text.replace(/,/g, ' ').split(' ').filter(Boolean);
    const seen = new Set(items.filter((i) => i.uprn).map((i) => i.uprn));
    for (const a of await repo.addressesMatching(ctx.db, words, text.replace(/,/g, ''), limit)) {
      if (!seen.has(a.uprn)) items.push(addressItem(a));
    }
  }
  if (coordItem && postcodeLike) items.push(coordItem);
  const out: { items: PlaceItem[]; message?: string } = { items: items.slice(0, limit) };
  if (!items.length && message) out.message = message;
  return out;
}

const addressItem = (a: repo.AddressHit): PlaceItem => ({
  kind: 'address',
  label: a.label,
  x: a.x,
  y: a.y,
  bbox: a.bbox ? padded(a.bbox, 20) : padded([a.x, a.y, a.x, a.y], 20),
  uprn: a.uprn,
});

export function placeRoutes(ctx: AppContext) {
  const r = Router();
  r.get('/api/places', requireRole(...PERMISSIONS.referenceRead), async (req, res) => {
    const q = parseQuery(PlacesQuery, req.query);
    res.json(await searchPlaces(ctx, q.q, q.limit ?? 10));
  });
  return r;
}
