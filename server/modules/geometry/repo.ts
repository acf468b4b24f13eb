/** SQL for the geometry module: building one site geometry from a converted file's parts (POST /api/geometry/convert). */
import type { Knex } from 'knex';
import { sqlQuery } from '../../db/queries.ts';

/**
 * Polygons (GeoJSON geometries, EPSG:27700) unioned with the areas built from closed rings (nested rings become
 * holes, as CAD draws them); the result as GeoJSON (millimetres), null when nothing has an area.
 */
export async function buildSiteFromParts(
  db: Knex,
  polygons: unknown[],
  rings: unknown[],
): Promise<{ geometry: { type: string; coordinates: unknown } | null; parts: number }> {
  const r = await db.raw<{ rows: Array<{ geometry: { type: string; coordinates: unknown } | null; parts: number }> }>(
    sqlQuery('geometry_convert_build'),
    { polygons: JSON.stringify(polygons), rings: JSON.stringify(rings) },
  );
  return r.rows[0] ?? { geometry: null, parts: 0 };
}
