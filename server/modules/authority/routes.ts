/** The authority's boundary over HTTP: load or replace it from a file (admin, gis), and list its versions. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { actorOf } from '../../http/context.ts';
import { parseBody, parseQuery, uploadFilename } from '../../http/validate.ts';
import { AppError } from '../../../shared/errors.ts';
import { versionFromIfMatch } from '../../../shared/domain/cases.ts';
import { checkVersion, etagOf, ifMatchOf } from '../../http/if-match.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { AuthorityDetailsSchema, getBoundaryVersions, getDetails, setBoundary, setDetails } from './service.ts';

// express's raw-body parser, named so because the house lint rule takes any `.raw(…)` call for knex
const { raw: rawBody } = express;
export const BoundaryQuery = z
  .object({
    filename: uploadFilename().optional(),
    sourceLayer: z.string().min(1).max(200).optional(),
  })
  .strict();
const DetailsQuery = z.object({ logo: z.enum(['0', '1']).optional() }).strict();

function ifMatch(header: string | undefined): number | null {
  if (header === undefined) return null;
  const v = versionFromIfMatch(header);
  if (v === null)
    throw new AppError('VALIDATION_FAILED', `If-Match must be the details' ETag, such as "v3"; got ${header}.`, {
      issues: [{ path: 'header.if-match', message: 'not an ETag of this API' }],
    });
  return v;
}

export function authorityRoutes(ctx: AppContext) {
  const r = Router();
  /** The authority's boundary versions, newest (the current one) first. */
  r.get('/api/authority/boundary', requireRole(...PERMISSIONS.referenceRead), async (_req, res) => {
    const b = await getBoundaryVersions(ctx.db, ctx.config.REDLINE_AUTHORITY);
    res.setHeader('ETag', etagOf(b.version)).json(b);
  });
  /** Load or replace the boundary: the request body is the file (GeoJSON, GeoPackage, planning.data.gov.uk entity). */
  r.put(
    '/api/authority/boundary',
    requireRole(...PERMISSIONS.layerAdmin),
    rawBody({ type: () => true, limit: '100mb' }),
    async (req, res) => {
      const q = parseQuery(BoundaryQuery, req.query);
      // If-Match: the boundary's ETag (GET /api/authority/boundary), or "*" to replace whatever is loaded
      const expected = ifMatchOf(req, 'authority boundary', { allowAny: true });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-boundary-'));
      const name = q.filename ?? `boundary-${crypto.randomBytes(4).toString('hex')}.geojson`;
      try {
        fs.writeFileSync(path.join(dir, name), Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
        const out = await setBoundary(
          ctx.db,
          actorOf(req.user!),
          ctx.config.REDLINE_AUTHORITY,
          {
            file: path.join(dir, name),
            label: name,
            sourceLayer: q.sourceLayer,
          },
          expected,
        );
        res.setHeader('ETag', etagOf(out.version)).json(out);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
  /** The authority's contact details printed on its documents (admin: the letter and notice templates' owner);
   *  ETag "v<version>"; ?logo=1 includes the logo's data (base64). */
  r.get('/api/authority/details', requireRole(...PERMISSIONS.templateAdmin), async (req, res) => {
    const q = parseQuery(DetailsQuery, req.query);
    const d = await getDetails(ctx.db, ctx.config.REDLINE_AUTHORITY, q.logo === '1');
    res.setHeader('ETag', `"v${d.version}"`);
    res.json(d);
  });
  /** Sets them: the fields given replace the stored ones (null clears one); If-Match "v<version>" checks the
   *  version changed is the one read. Audited. */
  r.put('/api/authority/details', requireRole(...PERMISSIONS.templateAdmin), async (req, res) => {
    const input = parseBody(AuthorityDetailsSchema, req.body);
    const expected = ifMatch(req.get('if-match'));
    // required (428): the service checks a version given against the locked row (412 when stale)
    if (expected === null)
      checkVersion('authority details', (await getDetails(ctx.db, ctx.config.REDLINE_AUTHORITY, false)).version, null);
    const d = await setDetails(
      ctx.db,
      actorOf(req.user!),
      ctx.config.REDLINE_AUTHORITY,
      input,
      expected,
      req.requestId,
    );
    res.setHeader('ETag', `"v${d.version}"`);
    res.json(d);
  });
  return r;
}
