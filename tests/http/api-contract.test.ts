/**
 * The API's contract: every error has one shape, { error: { code, message, details } }, with the status its code
 * is catalogued with; request-shape errors (bad JSON, wrong content type, unknown route, bad query, bad path);
 * and /api/openapi.json is a valid OpenAPI 3 document describing exactly the routes the app serves, with the
 * roles each staff route really requires.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode } from '../../shared/errors.ts';
import { openApiDocument } from '../../server/http/openapi.ts';
import { CrsQuery, ListQuery, NearbyQuery, SiteQuery } from '../../server/modules/cases/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { listRoutes, type RouteInfo } from '../helpers/routes.ts';
import { caseEtag } from '../helpers/if-match.ts';

let t: TestApp;
let caseId: number;
let noSiteId: number;
beforeAll(async () => {
  t = await startTestApp();
  const body = {
    kind: 'application',
    applicationType: 'full',
    description: 'Contract case',
    receivedDate: '2024-01-01',
  };
  caseId = (await t.as('officer').post('/api/cases').send(body).expect(201)).body.id;
  noSiteId = (await t.as('officer').post('/api/cases').send(body).expect(201)).body.id;
});
afterAll(async () => {
  await t.closeApp();
});

/** Asserts the one error shape, the code, and that the status is the one the catalogue gives the code. */
function expectError(res: request.Response, status: number, code: ErrorCode) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(Object.keys(res.body.error).sort()).toEqual(['code', 'details', 'message']);
  expect(res.body.error.code).toBe(code);
  expect(ERRORS[code]).toBe(status);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(res.headers['x-request-id']).toBeTruthy();
  return res.body.error as { code: string; message: string; details: unknown };
}

const square = {
  type: 'Polygon',
  coordinates: [
    [
      [533000, 179000],
      [533010, 179000],
      [533010, 179010],
      [533000, 179010],
      [533000, 179000],
    ],
  ],
};

describe('request-shape errors', () => {
  it('answers a body that is not valid JSON with 400 INVALID_JSON', async () => {
    const res = await t
      .as('officer')
      .post('/api/cases')
      .set('Content-Type', 'application/json')
      .send('{"kind": "application",');
    expectError(res, 400, 'INVALID_JSON');
  });

  it('answers invalid JSON with 400 INVALID_JSON before asking who is calling', async () => {
    const res = await t.anon.patch(`/api/cases/${caseId}`).set('Content-Type', 'application/json').send('{not json}');
    expectError(res, 400, 'INVALID_JSON');
  });

  it('answers a bare JSON string (not an object or array) with 400 INVALID_JSON', async () => {
    const res = await t
      .as('officer')
      .post('/api/cases')
      .set('Content-Type', 'application/json')
      .send('"just a string"');
    expectError(res, 400, 'INVALID_JSON');
  });

  it('answers a JSON array where an object is expected with 400 VALIDATION_FAILED', async () => {
    const res = await t.as('officer').post('/api/cases').send([1, 2, 3]);
    const e = expectError(res, 400, 'VALIDATION_FAILED');
    expect((e.details as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
  });

  it.each([
    ['text/plain', 'kind=application'],
    ['application/x-www-form-urlencoded', 'kind=application&description=x'],
    ['application/xml', '<case/>'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--'],
  ])('answers a %s body with 415 UNSUPPORTED_MEDIA_TYPE', async (type, body) => {
    const res = await t.as('officer').post('/api/cases').set('Content-Type', type).send(body);
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers JSON in a character set other than UTF-8 with 415 UNSUPPORTED_MEDIA_TYPE (not a 500)', async () => {
    const res = await t
      .as('officer')
      .post('/api/cases')
      .set('Content-Type', 'application/json; charset=latin1')
      .send('{}');
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a body in an unsupported content encoding with 415 UNSUPPORTED_MEDIA_TYPE (not a 500)', async () => {
    const res = await t
      .as('officer')
      .post('/api/cases')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'compress')
      .send('{}');
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('accepts GeoJSON sent as application/geo+json', async () => {
    const res = await t
      .as('officer')
      .put(`/api/cases/${caseId}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, caseId))
      .set('Content-Type', 'application/geo+json')
      .send(JSON.stringify({ geometry: square }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.site.areaM2).toBe(100);
  });

  it('answers a body over 10 MB with 413 PAYLOAD_TOO_LARGE', async () => {
    const big = JSON.stringify({ description: 'x'.repeat(10 * 1024 * 1024 + 1) });
    const res = await t.as('officer').post('/api/cases').set('Content-Type', 'application/json').send(big);
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['GET', '/api/nothing-here'],
    ['GET', '/api/cases/1/nothing-here'],
    ['DELETE', '/api/cases/1'],
    ['PUT', '/api/cases'],
    ['POST', '/api/audit'],
  ])('answers %s %s (no such route) with 404 NOT_FOUND', async (method, path) => {
    const agent = t.as('admin');
    const res = await agent[method.toLowerCase() as 'get' | 'delete' | 'put' | 'post'](path);
    const e = expectError(res, 404, 'NOT_FOUND');
    expect(e.message).toContain(path);
  });

  it('answers an unknown route with 404 NOT_FOUND to anonymous callers too', async () => {
    expectError(await t.anon.get('/api/definitely/not/here'), 404, 'NOT_FOUND');
  });

  it.each([
    ['/api/cases?limit=abc', 'query.limit'],
    ['/api/cases?kind=planning', 'query.kind'],
    ['/api/cases?unknownFilter=1', ''],
    ['/api/cases?receivedFrom=01/02/2024', 'query.receivedFrom'],
    ['/api/cases?kind=application&kind=enforcement', 'query.kind'],
    [`/api/cases/1/nearby?withinM=far`, 'query.withinM'],
    ['/api/audit?limit=501', 'query.limit'],
  ])('answers the bad query %s with 400 VALIDATION_FAILED and details.issues', async (url, path) => {
    const res = await t.as('admin').get(url);
    const e = expectError(res, 400, 'VALIDATION_FAILED');
    const issues = (e.details as { issues: Array<{ path: string; message: string }> }).issues;
    expect(Array.isArray(issues)).toBe(true);
    expect(issues.length).toBeGreaterThan(0);
    for (const i of issues) {
      expect(typeof i.path).toBe('string');
      expect(typeof i.message).toBe('string');
    }
    if (path) expect(issues.map((i) => i.path)).toContain(path);
    else expect(issues[0]!.path.startsWith('query')).toBe(true);
  });

  it('answers a path that is not valid percent-encoding with 400 (not a 500)', async () => {
    const res = await t.as('officer').get('/api/cases/%E0%A4%A');
    expectError(res, 400, 'VALIDATION_FAILED');
  });
});

describe('the error shape across the API', () => {
  const cases: Array<[string, number, ErrorCode, () => request.Test]> = [
    ['anonymous', 401, 'AUTHENTICATION_REQUIRED', () => t.anon.get('/api/cases')],
    ['bad token', 401, 'INVALID_CREDENTIALS', () => t.anon.get('/api/cases').set('Authorization', 'Bearer nope')],
    ['wrong role', 403, 'FORBIDDEN', () => t.as('gis').get('/api/users')],
    ['no such case', 404, 'CASE_NOT_FOUND', () => t.as('gis').get('/api/cases/999999')],
    ['case id beyond int4', 404, 'CASE_NOT_FOUND', () => t.as('gis').get('/api/cases/2147483648/site')],
    ['no such user', 404, 'USER_NOT_FOUND', () => t.as('admin').patch('/api/users/999999').send({ displayName: 'x' })],
    [
      'user id beyond int4',
      404,
      'USER_NOT_FOUND',
      () => t.as('admin').patch('/api/users/2147483648').send({ displayName: 'x' }),
    ],
    [
      'tokens for a user id beyond int4',
      404,
      'USER_NOT_FOUND',
      () => t.as('admin').post('/api/users/99999999999/tokens').send({ name: 'x' }),
    ],
    ['no such token', 404, 'NOT_FOUND', () => t.as('admin').delete('/api/tokens/999999')],
    ['a token id that is not a number', 404, 'NOT_FOUND', () => t.as('admin').delete('/api/tokens/abc')],
    ['a token id beyond int4', 404, 'NOT_FOUND', () => t.as('admin').delete('/api/tokens/2147483648')],
    ['no site yet', 404, 'SITE_NOT_SET', () => t.as('gis').get(`/api/cases/${noSiteId}/nearby`)],
    [
      'username taken',
      409,
      'USERNAME_TAKEN',
      () => t.as('admin').post('/api/users').send({ username: 'gis.user', role: 'gis' }),
    ],
    [
      'no version',
      428,
      'PRECONDITION_REQUIRED',
      () => t.as('officer').patch(`/api/cases/${caseId}`).send({ status: 'valid' }),
    ],
    [
      'stale version',
      412,
      'VERSION_CONFLICT',
      () => t.as('officer').patch(`/api/cases/${caseId}`).send({ version: 99, status: 'valid' }),
    ],
    ['unknown CRS', 422, 'CRS_UNSUPPORTED', () => t.as('gis').get(`/api/cases/${caseId}?crs=EPSG:3857`)],
    ['bad body', 400, 'VALIDATION_FAILED', () => t.as('officer').post('/api/cases').send({ kind: 'application' })],
    [
      'bad login',
      401,
      'INVALID_CREDENTIALS',
      () => t.anon.post('/api/auth/login').send({ username: 'gis.user', password: 'wrong-password' }),
    ],
  ];

  it.each(cases)('%s → %i %s in the one shape', async (_what, status, code, send) => {
    expectError(await send(), status, code);
  });

  it('puts the request id in the X-Request-Id header, taking the caller’s (up to 64 characters)', async () => {
    const mine = await t.anon.get('/api/cases').set('X-Request-Id', 'trace-abc-123');
    expect(mine.headers['x-request-id']).toBe('trace-abc-123');
    const long = await t.anon.get('/api/cases').set('X-Request-Id', 'r'.repeat(100));
    expect(long.headers['x-request-id']).toBe('r'.repeat(64));
    const none = await t.anon.get('/api/cases');
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('catalogues every error code in the OpenAPI Error schema', () => {
    const props = openApiDocument.components.schemas.Error.properties.error.properties;
    expect([...props.code.enum].sort()).toEqual(Object.keys(ERRORS).sort());
  });
});

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
interface Operation {
  'x-roles'?: string[];
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses: Record<string, unknown>;
}

describe('GET /api/openapi.json', () => {
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
  let served: RouteInfo[];
  const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  const documented = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([m]) => HTTP_METHODS.includes(m))
        .map(([m, op]) => ({ key: `${m.toUpperCase()} ${path}`, op })),
    );
  beforeAll(async () => {
    const res = await t.anon.get('/api/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.body;
    served = listRoutes(t.app);
  });

  it('is served to anyone and is the document the code defines', () => {
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
  });

  it('is a valid OpenAPI 3 document', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    // the exported object too (validate dereferences its argument in place, hence the copy)
    await expect(SwaggerParser.validate(structuredClone(openApiDocument) as never)).resolves.toBeTruthy();
  });

  it('lists exactly the routes the app serves (method and path)', () => {
    expect(served.length).toBeGreaterThan(15);
    const app = served.map((r) => `${r.method} ${toOpenApiPath(r.path)}`).sort();
    const docd = documented()
      .map((d) => d.key)
      .sort();
    expect(docd).toEqual(app);
  });

  it('gives each staff route x-roles equal to the roles its requireRole declares, with security and 401/403 responses', () => {
    const byKey = new Map(documented().map((d) => [d.key, d.op]));
    const staff = served.filter((r) => r.roles);
    expect(staff.length).toBeGreaterThan(10);
    for (const r of staff) {
      const op = byKey.get(`${r.method} ${toOpenApiPath(r.path)}`);
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      expect([...(op!['x-roles'] ?? [])].sort(), `${r.method} ${r.path}`).toEqual([...r.roles!].sort());
      expect(op!.security?.length, `${r.method} ${r.path}`).toBeGreaterThan(0);
      expect(Object.keys(op!.responses), `${r.method} ${r.path}`).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('gives public routes no x-roles and no security', () => {
    const byKey = new Map(documented().map((d) => [d.key, d.op]));
    const open = served.filter((r) => !r.roles);
    expect(open.length).toBeGreaterThan(0);
    for (const r of open) {
      const op = byKey.get(`${r.method} ${toOpenApiPath(r.path)}`)!;
      expect(op['x-roles'], `${r.method} ${r.path}`).toBeUndefined();
      expect(op.security, `${r.method} ${r.path}`).toBeUndefined();
    }
  });

  it('declares a required path parameter for every {parameter} in a path', () => {
    for (const { key, op } of documented()) {
      const names = [...key.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort(), key).toEqual(names.sort());
      for (const p of declared) expect(p.required, key).toBe(true);
    }
  });

  it('documents exactly the query parameters the case routes accept', () => {
    const query = (key: string) =>
      (documented().find((d) => d.key === key)!.op.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => p.name)
        .sort();
    const keys = (schema: { shape: object }) => Object.keys(schema.shape).sort();
    expect(query('GET /api/cases')).toEqual(keys(ListQuery));
    expect(query('GET /api/cases/{id}')).toEqual(keys(CrsQuery));
    expect(query('GET /api/cases/{id}/site')).toEqual(keys(CrsQuery));
    expect(query('GET /api/cases/{id}/site/versions')).toEqual(keys(CrsQuery));
    expect(query('PUT /api/cases/{id}/site')).toEqual(keys(SiteQuery));
    expect(query('PUT /api/cases/{id}/location')).toEqual(keys(CrsQuery));
    expect(query('GET /api/cases/{id}/nearby')).toEqual(keys(NearbyQuery));
  });
});
