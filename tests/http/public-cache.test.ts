/**
 * The public answers' cache never serves a stale answer: a search, an application's JSON and a tile, asked twice,
 * are byte-identical (the second from the cache); after any public change (the data version moves) the very next
 * answer shows it; and with the cache off (PUBLIC_CACHE_MB=0) every answer is the same as with it on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { tileAt } from '../../shared/os-tile-grid.ts';

let on: TestApp;
let off: TestApp;

async function seed(t: TestApp) {
  const [{ id }] = await t
    .db('case_record')
    .insert({
      authority_id: t.authorityId,
      kind: 'application',
      reference: '26/AP/0777',
      application_type: 'full',
      description: 'Roof terrace, first wording',
      site_address: '7 Cache Street',
      status: 'registered',
      received_date: '2026-10-01',
    })
    .returning('id');
  await t.db.raw(
    `INSERT INTO case_site (case_id, geom, area_m2, source, input_crs)
     VALUES (?, ST_Multi(ST_MakeEnvelope(533000, 180000, 533020, 180020, 27700)), 400, 'drawn', 'EPSG:27700')`,
    [id],
  );
  return id as number;
}

/** the answer's raw bytes, whatever its type */
const body = async (t: TestApp, url: string) => {
  const res = await t.anon
    .get(url)
    .buffer(true)
    .parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
  return { status: res.status, etag: res.headers.etag as string, bytes: (res.body as Buffer).toString('hex') };
};

let caseOn = 0;
beforeAll(async () => {
  on = await startTestApp();
  off = await startTestApp({ PUBLIC_CACHE_MB: '0' });
  caseOn = await seed(on);
  await seed(off);
}, 120_000);
afterAll(async () => {
  await on?.closeApp();
  await off?.closeApp();
});

const SEARCH = '/api/public/applications?q=terrace';
const ONE = '/api/public/applications/26-AP-0777';
const GEOJSON = '/api/public/applications.geojson?bbox=-0.2,51.4,0,51.6';

describe('public answers from the cache', () => {
  it('are byte-identical the second time, and equal to the answers with the cache off', async () => {
    for (const url of [SEARCH, ONE, GEOJSON]) {
      const first = await body(on, url);
      const second = await body(on, url);
      expect(first.status, url).toBe(200);
      expect(second).toEqual(first);
      expect(await body(off, url)).toEqual(first);
    }
  });

  it('show a public change at once: the next answer after the data version moves is the new one', async () => {
    const before = await on.anon.get(ONE).expect(200);
    expect(before.body.proposal).toBe('Roof terrace, first wording');
    await on.db('case_record').where({ id: caseOn }).update({ description: 'Roof terrace, second wording' });
    const after = await on.anon.get(ONE).expect(200);
    expect(after.body.proposal).toBe('Roof terrace, second wording');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const search = await on.anon.get(SEARCH).expect(200);
    expect(JSON.stringify(search.body)).toContain('second wording');
    // unpublished: gone from the next answer, not served from the cache
    await on.db('case_record').where({ id: caseOn }).update({ publication: 'unpublished' });
    await on.anon.get(ONE).expect(404);
    expect((await on.anon.get(SEARCH).expect(200)).body.total).toBe(0);
  });

  it('tiles: the same bytes twice at a version; an old version is sent on to the current one', async () => {
    await on.db('case_record').where({ id: caseOn }).update({ publication: 'published' });
    const tj = await on.anon.get('/api/public/tiles/os27700.json').expect(200);
    const url = (tj.body.tiles[0] as string).replace(/^https?:\/\/[^/]+/, '');
    // the OS grid tile over the site's middle at z10 (site outlines drawn)
    const t = tileAt(10, 533010, 180010);
    const tileUrl = url.replace('{z}', String(t.z)).replace('{x}', String(t.x)).replace('{y}', String(t.y));
    const a = await body(on, tileUrl);
    const b = await body(on, tileUrl);
    expect(a.status).toBe(200);
    expect(b).toEqual(a);
    await on.db('case_record').where({ id: caseOn }).update({ description: 'Roof terrace, third wording' });
    const moved = await on.anon.get(tileUrl).redirects(0);
    expect(moved.status).toBe(301);
    const c = await body(on, moved.headers.location as string);
    expect(c.status).toBe(200);
  });
});
