import { Router } from 'express';

import type { AppContext } from '../../http/context.ts';
import { parseBody, parseQuery } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { etagOf, versionFromIfMatch } from '../../../shared/domain/cases.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { AppError } from '../../../shared/errors.ts';
import { intId } from '../../http/params.ts';
import * as svc from './service.ts';
import {
  CreateCase,
  CrsQuery,
  ListQuery,
  LocationBody,
  NearbyQuery,
  SiteBody,
  SiteQuery,
  UpdateCase,
} from './schema.ts';

const caseId = (raw: string | string[] | undefined) => intId(raw, 'CASE_NOT_FOUND', 'case');

function ifMatch(header: string | undefined): number | null {
  if (header === undefined) return null;
  const v = versionFromIfMatch(header);
  if (v === null)
    throw new AppError('VALIDATION_FAILED', `If-Match must be the case's ETag, such as "v3"; got ${header}.`, {
      issues: [{ path: 'header.if-match', message: 'not an ETag of this API' }],
    });
  return v;
}

export function caseRoutes(ctx: AppContext) {
  const s: svc.CaseService = {
    db: ctx.db,
    authorityId: ctx.authorityId,
    intake: ctx.intake,
  };
  const r = Router();

  r.get('/api/cases', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    res.json(await svc.listCases(s, parseQuery(ListQuery, req.query)));
  });

  r.post('/api/cases', requireRole(...PERMISSIONS.caseWrite), async (req, res) => {
    const created = await svc.createCase(s, req.user!, parseBody(CreateCase, req.body), req.requestId);
    res.status(201).location(`/api/cases/${created.id}`).setHeader('ETag', etagOf(created.version)).json(created);
  });

  r.get('/api/cases/:id', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    const { crs } = parseQuery(CrsQuery, req.query);
    const c = await svc.getCase(s, req.user!, caseId(req.params.id), crs);
    res.setHeader('ETag', etagOf(c.version)).json(c);
  });

  r.patch('/api/cases/:id', requireRole(...PERMISSIONS.caseWrite), async (req, res) => {
    const c = await svc.updateCase(
      s,
      req.user!,
      caseId(req.params.id),
      parseBody(UpdateCase, req.body),
      ifMatch(req.get('if-match')),
      req.requestId,
    );
    res.setHeader('ETag', etagOf(c.version)).json(c);
  });

  r.get('/api/cases/:id/site', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    const { crs } = parseQuery(CrsQuery, req.query);
    const { site, version } = await svc.getSiteAndVersion(s, caseId(req.params.id), crs);
    res.setHeader('ETag', etagOf(version)).json(site);
  });

  // an enforcement case located at a point (issue 11 item 7b); crs as for the site (query or body, CRS84 default)
  r.put('/api/cases/:id/location', requireRole(...PERMISSIONS.enforcementWrite), async (req, res) => {
    const q = parseQuery(CrsQuery, req.query);
    const body = parseBody(LocationBody, req.body);
    if (q.crs && body.crs && q.crs !== body.crs) {
      throw new AppError(
        'CRS_CONFLICT',
        `The crs parameter (${q.crs}) and the body's crs (${body.crs}) disagree. Send one.`,
        { parameter: q.crs, body: body.crs },
      );
    }
    const out = await svc.setLocation(
      s,
      req.user!,
      caseId(req.params.id),
      { geometry: body.geometry, crs: q.crs ?? body.crs, note: body.note },
      ifMatch(req.get('if-match')),
      req.requestId,
    );
    res.setHeader('ETag', etagOf(out.version)).json(out);
  });

  r.put('/api/cases/:id/site', requireRole(...PERMISSIONS.caseWrite), async (req, res) => {
    const q = parseQuery(SiteQuery, req.query);
    const body = parseBody(SiteBody, req.body);
    if (q.crs && body.crs && q.crs !== body.crs) {
      throw new AppError(
        'CRS_CONFLICT',
        `The crs parameter (${q.crs}) and the body's crs (${body.crs}) disagree. Send one.`,
        { parameter: q.crs, body: body.crs },
      );
    }
    const out = await svc.setSite(
      s,
      req.user!,
      caseId(req.params.id),
      {
        geometry: body.geometry,
        crs: q.crs ?? body.crs,
        source: body.source,
        note: body.note,
        repair: q.repair,
        crossBoundary: q.crossBoundary,
      },
      ifMatch(req.get('if-match')),
      req.requestId,
    );
    res.setHeader('ETag', etagOf(out.version)).json(out);
  });

  r.get('/api/cases/:id/site/versions', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    const { crs } = parseQuery(CrsQuery, req.query);
    res.json(await svc.getSiteVersions(s, caseId(req.params.id), crs));
  });

  r.get('/api/cases/:id/nearby', requireRole(...PERMISSIONS.caseRead), async (req, res) => {
    const q = parseQuery(NearbyQuery, req.query);
    res.json(await svc.nearbyCases(s, caseId(req.params.id), q.withinM, q.limit));
  });

  return r;
}
