/** The `layer-load` job (server/modules/jobs): loads the uploaded file with the loader, reporting progress. */
import type { Knex } from 'knex';
import type { JobHandler } from '../jobs/service.ts';
import type { LayerLoadParams } from './routes.ts';
import { loadLayer } from './loader.ts';

export function layerLoadJob(db: Knex, toleranceM: number): JobHandler {
  return async ({ job, file, actor, progress, log }) => {
    const p = job.params as unknown as LayerLoadParams;
    // the loader takes its own connections and transactions; the job's heartbeat runs beside it
    return loadLayer(db, {
      layerId: p.layerId,
      sources: [{ file: file!, label: job.fileName ?? 'upload', sourceLayer: p.sourceLayer, sourceCrs: p.sourceCrs }],
      fieldMap: p.fieldMap,
      repair: p.repair,
      coverage: p.coverage,
      toleranceM,
      actor,
      requestId: job.requestId ?? undefined,
      onProgress: progress,
      log,
    });
  };
}
