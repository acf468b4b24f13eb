import { Router } from 'express';
import type { AppContext } from '../../http/context.ts';
import { AppError } from '../../../shared/errors.ts';
import {
  APPLICATION_TYPES,
  BREACH_TYPES,
  NOTICE_TYPES,
  APPLICATION_STATUSES,
  ENFORCEMENT_STATUSES,
} from '../../../shared/domain/cases.ts';
import { openApiDocument } from '../../http/openapi.ts';
import { databaseVersions } from './repo.ts';

export function systemRoutes(ctx: AppContext) {
  const r = Router();
  r.get('/healthz', async (_req, res) => {
    try {
      const v = await databaseVersions(ctx.db);
      res.json({
        status: 'ok',
        database: { version: v.pg, versionNum: v.pg_num },
        postgis: { version: v.postgis, geos: v.geos, proj: v.proj },
      });
    } catch {
      throw new AppError('DATABASE_UNAVAILABLE', 'The database is not reachable, or PostGIS is not installed in it.');
    }
  });
  r.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  r.get('/api/codelists/application-types', (_req, res) => {
    res.json({ source: 'planning.data.gov.uk planning-application-type (OGL v3)', items: APPLICATION_TYPES });
  });
  r.get('/api/codelists/cases', (_req, res) => {
    res.json({
      applicationStatuses: APPLICATION_STATUSES,
      enforcementStatuses: ENFORCEMENT_STATUSES,
      breachTypes: BREACH_TYPES,
      noticeTypes: NOTICE_TYPES,
    });
  });
  return r;
}
