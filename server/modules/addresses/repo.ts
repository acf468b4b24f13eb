/**
 * The reference datasets for neighbour notification (tables reference_dataset, address, property) and a load's
 * temporary tables (address_incoming, property_incoming), plus what the demo addresses are built from. The
 * statements are in sql/queries/address_*.sql.
 */
import type { Knex } from 'knex';
import { sqlQuery } from '../../db/queries.ts';

export type Dataset = 'address' | 'property';

export interface DatasetState {
  data_version: number;
  source_hash: string | null;
  feature_count: number;
}

/** Locks the dataset's row until the transaction ends; its current version, source hash and count. */
export async function lockDataset(trx: Knex.Transaction, dataset: Dataset): Promise<DatasetState> {
  return trx('reference_dataset')
    .where({ id: dataset })
    .forUpdate()
    .first('data_version', 'source_hash', 'feature_count');
}

/** Records a load of the dataset (loaded_at now). */
export async function recordDatasetLoad(
  trx: Knex.Transaction,
  dataset: Dataset,
  load: { dataVersion: number; sourceHash: string; featureCount: number; lastLoad: string },
): Promise<void> {
  await trx('reference_dataset').where({ id: dataset }).update({
    data_version: load.dataVersion,
    source_hash: load.sourceHash,
    loaded_at: trx.fn.now(),
    feature_count: load.featureCount,
    last_load: load.lastLoad,
  });
}

/** Whether the address points or the property outlines have ever been loaded. */
export async function anyDatasetLoaded(db: Knex): Promise<boolean> {
  const loaded = await db('reference_dataset')
    .whereIn('id', ['address', 'property'])
    .where('data_version', '>', 0)
    .first('id');
  return Boolean(loaded);
}

// ---- address points ----

export interface AddressIncomingRow {
  n: number;
  uprn: number;
  parent_uprn: number | null;
  address_lines: string[];
  postcode: string | null;
  classification: string | null;
  x: number;
  y: number;
  srid: number;
}

export async function createAddressIncoming(trx: Knex.Transaction): Promise<void> {
  await trx.raw(sqlQuery('address_load_incoming_create'));
}

export async function insertAddressIncoming(trx: Knex.Transaction, rows: AddressIncomingRow[]): Promise<void> {
  if (rows.length) await trx('address_incoming').insert(rows);
}

/** Drops the repeats of a UPRN (the first row stays); the rows dropped. */
export async function dropDuplicateAddresses(trx: Knex.Transaction): Promise<Array<{ n: number; uprn: number }>> {
  return (await trx.raw<{ rows: Array<{ n: number; uprn: number }> }>(sqlQuery('address_load_drop_duplicates'))).rows;
}

/** Drops the points more than 1 km outside every authority; the rows dropped. */
export async function dropOutsideAddresses(trx: Knex.Transaction): Promise<Array<{ n: number; uprn: number }>> {
  return (await trx.raw<{ rows: Array<{ n: number; uprn: number }> }>(sqlQuery('address_load_drop_outside'))).rows;
}

/** Replaces every address point with the incoming ones; how many. */
export async function replaceAddresses(trx: Knex.Transaction, version: number, source: string): Promise<number> {
  await trx('address').delete();
  const r = await trx.raw(sqlQuery('address_load_insert'), { version, source });
  return r.rowCount ?? 0;
}

// ---- property outlines ----

export interface PropertyIncomingRow {
  n: number;
  ref: string | null;
  name: string | null;
  uprns: number[];
  wkt: string;
}

export async function createPropertyIncoming(trx: Knex.Transaction): Promise<void> {
  await trx.raw(sqlQuery('address_property_incoming_create'));
}

export async function insertPropertyIncoming(trx: Knex.Transaction, rows: PropertyIncomingRow[]): Promise<void> {
  if (rows.length) await trx('property_incoming').insert(rows);
}

/** Parses the outlines' WKT; the invalid ones, with why. */
export async function parseIncomingOutlines(trx: Knex.Transaction): Promise<Array<{ n: number; reason: string }>> {
  await trx.raw(sqlQuery('address_property_geom_from_wkt'));
  return (await trx.raw<{ rows: Array<{ n: number; reason: string }> }>(sqlQuery('address_property_invalid'))).rows;
}

export async function repairIncomingOutlines(trx: Knex.Transaction): Promise<void> {
  await trx.raw(sqlQuery('address_property_repair'));
}

export async function dropInvalidOutlines(trx: Knex.Transaction): Promise<void> {
  await trx.raw(sqlQuery('address_property_drop_invalid'));
}

/** Drops the outlines more than 1 km outside every authority; their row numbers. */
export async function dropOutsideOutlines(trx: Knex.Transaction): Promise<Array<{ n: number }>> {
  return (await trx.raw<{ rows: Array<{ n: number }> }>(sqlQuery('address_property_drop_outside'))).rows;
}

/** Replaces every property outline with the incoming ones; how many. */
export async function replaceProperties(
  trx: Knex.Transaction,
  fileName: string,
  version: number,
  source: string,
): Promise<number> {
  await trx('property').delete();
  const r = await trx.raw(sqlQuery('address_property_insert'), { fileName, version, source });
  return r.rowCount ?? 0;
}

// ---- what the demo addresses are built from (server/seed/addresses.ts) ----

export interface ListedBuilding {
  source_ref: string;
  name: string | null;
  /** the listing's address-text (some carry a postcode) */
  address: string | null;
  nums: string | null;
  street: string;
  geometry: unknown;
  x: number;
  y: number;
}

export async function demoListedBuildings(db: Knex): Promise<ListedBuilding[]> {
  return (await db.raw<{ rows: ListedBuilding[] }>(sqlQuery('address_demo_listed_buildings'))).rows;
}

/** A WGS 84 GeoJSON outline in EPSG:27700 (as GeoJSON), with a point inside it. */
export async function demoOsmBuilding(db: Knex, geometry: unknown): Promise<{ g: unknown; x: number; y: number }> {
  const { rows } = await db.raw<{ rows: Array<{ g: unknown; x: number; y: number }> }>(
    sqlQuery('address_demo_osm_building'),
    { geojson: JSON.stringify(geometry) },
  );
  return rows[0]!;
}

/** A WGS 84 point in EPSG:27700. */
export async function demoOsmPoint(db: Knex, [lon, lat]: [number, number]): Promise<{ x: number; y: number }> {
  const { rows } = await db.raw<{ rows: Array<{ x: number; y: number }> }>(sqlQuery('address_demo_osm_point'), {
    lon,
    lat,
  });
  return rows[0]!;
}

export interface CaseSiteBox {
  reference: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export async function demoCaseSites(db: Knex): Promise<CaseSiteBox[]> {
  return (await db.raw<{ rows: CaseSiteBox[] }>(sqlQuery('address_demo_case_sites'))).rows;
}
