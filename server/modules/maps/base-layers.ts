/** Base map layers (issue 14 item 4): roads with their names, railways, water and buildings with their numbers or
 *  names, drawn beneath everything else on the plans. Not constraint layers (nothing is checked against them), so
 *  they have their own definitions (layers/base/*.json) and table (base_feature, migration 0024).
 *
 *  Any file GDAL reads can be loaded (a council loads OS OpenMap Local or OS Open Zoomstack GeoPackages with their own
 *  definition's field map; the demo loads the OpenStreetMap extracts derived in layers/data/osm, see SOURCES.md):
 *  ogr2ogr reads it in EPSG:27700 as GeoJSON lines, and a load replaces the layer's features in one transaction. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.ts';
import { repoRoot } from '../../config/index.ts';
import { replaceBaseFeatures, type BaseFeatureRow } from './repo.ts';

export const BASE_DIR = path.join(repoRoot, 'layers', 'base');
export const BASE_KINDS = ['road', 'railway', 'water', 'building'] as const;
export type BaseKind = (typeof BASE_KINDS)[number];

const Field = z.string().min(1).max(200);
export const BaseLayerDefinition = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/),
    kind: z.enum(BASE_KINDS),
    title: z.string().min(1).max(120),
    /** the demo's data file, relative to the repository */
    file: z.string().min(1).optional(),
    /** layer inside a GeoPackage holding several (OS OpenMap Local: Road, Building, SurfaceWater_Area, RailwayTrack) */
    sourceLayer: z.string().min(1).max(200).optional(),
    /** source fields: a field name, or "{a|b|c}": the first of these fields that is set */
    fields: z.object({ name: Field.optional(), class: Field.optional(), label: Field.optional() }).strict().default({}),
    attribution: z.string().min(1).max(500),
  })
  .strict();
export type BaseLayerDefinition = z.infer<typeof BaseLayerDefinition>;

export function readBaseDefinitions(dir = BASE_DIR): BaseLayerDefinition[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => BaseLayerDefinition.parse(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))));
}

/** A field of a feature's properties: "name", or "{housenumber|housename|name}" (the first that is set). */
export function fieldValue(props: Record<string, unknown>, spec: string | undefined): string | null {
  if (!spec) return null;
  const names = /^\{(.+)\}$/.exec(spec)?.[1]!.split('|') ?? [spec];
  for (const n of names) {
    const v = props[n.trim()];
    if (v !== null && v !== undefined && String(v).trim() !== '') return String(v).trim();
  }
  return null;
}

/** The features of a GDAL source as GeoJSON in EPSG:27700 (ogr2ogr to GeoJSON on stdout; not GeoJSONSeq, which
 *  would reproject to WGS 84). */
async function readFeatures(
  file: string,
  sourceLayer?: string,
): Promise<Array<{ properties: Record<string, unknown> | null; geometry: unknown }>> {
  const args = ['-f', 'GeoJSON', '-t_srs', 'EPSG:27700', '-lco', 'RFC7946=NO', '-lco', 'COORDINATE_PRECISION=2'];
  args.push('/vsistdout/', file);
  if (sourceLayer) args.push(sourceLayer);
  const child = spawn('ogr2ogr', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (e) => reject(new AppError('GDAL_MISSING', `ogr2ogr could not run (${e.message}).`)));
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0)
    throw new AppError('LAYER_FILE_UNREADABLE', `ogr2ogr could not read ${path.basename(file)}: ${stderr.trim()}`);
  const fc = JSON.parse(Buffer.concat(out).toString('utf8')) as {
    features?: Array<{ properties: Record<string, unknown> | null; geometry: unknown }>;
  };
  return fc.features ?? [];
}

/** Loads a base layer from a file GDAL reads (default: the definition's own file); replaces what it held. */
export async function loadBaseLayer(db: Knex, def: BaseLayerDefinition, file?: string): Promise<number> {
  const src = file ?? (def.file ? path.join(repoRoot, def.file) : null);
  if (!src) throw new AppError('VALIDATION_FAILED', `Base layer ${def.id} has no file to load.`);
  const rows: BaseFeatureRow[] = [];
  for (const f of await readFeatures(src, def.sourceLayer)) {
    if (!f.geometry) continue;
    const p = f.properties ?? {};
    rows.push({
      kind: def.kind,
      class: fieldValue(p, def.fields.class),
      name: fieldValue(p, def.fields.name),
      label: fieldValue(p, def.fields.label),
      geojson: JSON.stringify(f.geometry),
    });
  }
  await replaceBaseFeatures(db, def, path.basename(src), rows);
  return rows.length;
}

/** Loads every base layer definition that names a file (the demo's). */
export async function loadBuiltinBaseLayers(db: Knex): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const def of readBaseDefinitions()) if (def.file) out[def.id] = await loadBaseLayer(db, def);
  return out;
}
