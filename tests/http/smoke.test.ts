import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.closeApp();
});

describe('health', () => {
  it('reports the PostgreSQL and PostGIS versions', async () => {
    const res = await t.anon.get('/healthz').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.database.versionNum).toBeGreaterThanOrEqual(150000);
    expect(res.body.postgis.version).toMatch(/^3\.\d+/);
  });
});
