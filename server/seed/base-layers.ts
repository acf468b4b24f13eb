/** Demo: the base map layers of layers/base (roads, railways, water and buildings derived from the OpenStreetMap
 *  extracts in layers/data/osm, ODbL), loaded once when none are loaded yet. A council loads OS OpenMap Local or
 *  OS Open Zoomstack instead (layers/base definitions with their own files and fields). */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { loadBuiltinBaseLayers } from '../modules/maps/base-layers.ts';
import { anyBaseLayer } from '../modules/maps/repo.ts';

export async function loadDemoBaseLayers(db: Knex, log: Pick<Logger, 'info' | 'warn'>): Promise<void> {
  if (await anyBaseLayer(db)) return;
  try {
    const counts = await loadBuiltinBaseLayers(db);
    log.info({ layers: counts }, 'demo base map layers loaded');
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'demo base map layers could not be loaded');
  }
}
