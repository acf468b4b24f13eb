/** Loads the bundled Southwark layers from the council's original files (layers/data/southwark/sources.json). */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { SOUTHWARK_DIR } from './seed.ts';
import { loadLayer, type FieldMap, type LoadReport, type LoadSource } from '../modules/layers/loader.ts';
import { layerDataVersion } from '../modules/layers/repo.ts';
import type { Actor } from '../modules/audit/audit.ts';

interface DemoLayerSources {
  layers: Array<{ layer: string; sources: LoadSource[]; fieldMap: FieldMap; repair?: boolean }>;
}

export function demoLayerSources(): DemoLayerSources['layers'] {
  const manifest = JSON.parse(fs.readFileSync(path.join(SOUTHWARK_DIR, 'sources.json'), 'utf8')) as DemoLayerSources;
  return manifest.layers.map((l) => ({
    ...l,
    sources: l.sources.map((s) => ({ ...s, file: path.join(SOUTHWARK_DIR, s.file) })),
  }));
}

/** Loads each demo layer that has no data yet (or all, with force). */
export async function loadDemoLayers(
  db: Knex,
  opts: { force?: boolean; onProgress?: (m: string) => void; actor?: Actor } = {},
): Promise<LoadReport[]> {
  const reports: LoadReport[] = [];
  for (const l of demoLayerSources()) {
    const dataVersion = await layerDataVersion(db, l.layer);
    if (!opts.force && dataVersion !== undefined && dataVersion > 0) continue;
    reports.push(
      await loadLayer(db, {
        layerId: l.layer,
        sources: l.sources,
        fieldMap: l.fieldMap,
        repair: l.repair,
        actor: opts.actor ?? { id: null, username: 'system:seed' },
        onProgress: opts.onProgress,
      }),
    );
  }
  return reports;
}
