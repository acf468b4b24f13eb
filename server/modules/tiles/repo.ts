/**
 * The staff map's reads: vector tiles on the OS grid (sql/queries/tile_*.sql, ST_AsMVT in EPSG:27700), the data
 * versions their ETags are made of (tile_versions.sql), true geometries in a box for snapping (feature_bbox.sql)
 * and the property outline at a point (property_at.sql). Each statement runs as a named prepared statement.
 */
import type { Knex } from 'knex';
import { preparedStatement, runPrepared, sqlQuery, type PreparedStatement } from '../../db/queries.ts';
import type { Envelope } from '../../../shared/os-tile-grid.ts';

/** The kinds of tile layer, each with its own statement. */
export type TileSource = 'authority-boundary' | 'properties' | 'addresses' | 'cases' | 'constraint';

const FILES: Record<TileSource, string> = {
  'authority-boundary': 'tile_authority_boundary',
  properties: 'tile_properties',
  addresses: 'tile_addresses',
  cases: 'tile_cases',
  constraint: 'tile_constraint',
};

const statements = new Map<string, PreparedStatement>();
function statement(file: string): PreparedStatement {
  let s = statements.get(file);
  if (!s) {
    s = preparedStatement(file, sqlQuery(file));
    statements.set(file, s);
  }
  return s;
}

/** The tile statement of a source, as text with :name bindings (what the benchmark runs as its floor). */
export const tileSql = (source: TileSource): string => sqlQuery(FILES[source]);

export interface TileResult {
  /** the data version the tile was made from (null for cases, which have none) */
  version: number | null;
  /** the tile; empty when nothing is in it */
  mvt: Buffer;
}

/** One tile of a source. `layerId` names the constraint layer (source 'constraint'). */
export async function readTile(
  db: Knex,
  source: TileSource,
  envelope: Envelope,
  opts: { authorityId: number; layerId?: string },
): Promise<TileResult> {
  const [minx, miny, maxx, maxy] = envelope;
  const rows = await runPrepared<{ version?: number | null; mvt: Buffer | null }>(db, statement(FILES[source]), {
    minx,
    miny,
    maxx,
    maxy,
    authorityId: opts.authorityId,
    layerId: opts.layerId ?? null,
  });
  const row = rows[0];
  return { version: row?.version ?? null, mvt: row?.mvt ?? Buffer.alloc(0) };
}

export interface DataVersions {
  boundary: number | null;
  address: number | null;
  property: number | null;
  layers: Record<string, number>;
}

/** The data versions of the boundary, addresses, properties and every layer, in one read. */
export async function dataVersions(db: Knex, authorityId: number): Promise<DataVersions> {
  const rows = await runPrepared<DataVersions>(db, statement('tile_versions'), { authorityId });
  return rows[0]!;
}

export interface FeatureRow {
  layer: string;
  id: number;
  reference: string | null;
  name: string | null;
  /** GeoJSON text, EPSG:27700 */
  geometry: string;
}

/** Features of the chosen layers touching the box, whole; at most `cap` rows. */
export async function featuresInBox(
  db: Knex,
  box: Envelope,
  opts: {
    authorityId: number;
    properties: boolean;
    addresses: boolean;
    boundary: boolean;
    cases: boolean;
    layerIds: string[];
    cap: number;
  },
): Promise<FeatureRow[]> {
  const [minx, miny, maxx, maxy] = box;
  return runPrepared<FeatureRow>(db, statement('feature_bbox'), { minx, miny, maxx, maxy, ...opts });
}

export interface PropertyAtRow {
  id: number;
  reference: string | null;
  name: string | null;
  uprns: number[];
  geometry: string;
  addresses: Array<{ uprn: number; address: string }>;
}

/** The property outline containing the point (EPSG:27700), smallest first; undefined when none. */
export async function propertyAt(db: Knex, x: number, y: number): Promise<PropertyAtRow | undefined> {
  return (await runPrepared<PropertyAtRow>(db, statement('property_at'), { x, y }))[0];
}
