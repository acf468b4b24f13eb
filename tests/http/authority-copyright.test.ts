/** The authority's copyright and licence statement: set with `authority:copyright`, audited, and printed on every
 *  map (the renderer's scene carries it first, before each drawn source's attribution). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { buildScene } from '../../server/modules/maps/service.ts';

let t: TestApp;
const square = (x: number, y: number, side: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + side, y],
      [x + side, y + side],
      [x, y + side],
      [x, y],
    ],
  ],
});

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.closeApp();
});

async function sceneCopyright(): Promise<string[]> {
  const ewkb = (
    await t.db.raw(
      `SELECT encode(ST_AsEWKB(ST_Multi(ST_MakeEnvelope(533000, 179000, 533030, 179030, 27700))), 'hex') AS e`,
    )
  ).rows[0].e as string;
  const authorityId = (await t.db('authority').first('id')).id as number;
  const { scene } = await buildScene(
    t.db,
    authorityId,
    'site-location',
    { paper: 'A4', orientation: 'portrait', scale: 1250, dpi: 150 },
    { kind: 'adhoc', siteEwkb: ewkb },
    20_000_000,
  );
  return scene.copyright;
}

describe('npm run redline -- authority:copyright', () => {
  const cli = (args: string[]) => runCli(t.url, args);

  it('shows the statement, sets a new one (audited), and the next map prints it', async () => {
    const shown = await cli(['authority:copyright']);
    expect(shown.code).toBe(0);
    const before = (await t.db('authority').first('copyright_statement')).copyright_statement as string;
    expect(shown.stdout.trim()).toBe(before);

    const text = 'Contains OS data © Crown copyright and database right 2026 OS AC0000812345. Test Borough Council.';
    const set = await cli(['authority:copyright', '--text', `  ${text}\n`]);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(text);
    expect((await t.db('authority').first('copyright_statement')).copyright_statement).toBe(text);
    const audit = await t.db('audit_log').where({ action: 'authority.copyright.update' }).first('before', 'after');
    expect(audit.before).toEqual({ copyrightStatement: before });
    expect(audit.after).toEqual({ copyrightStatement: text });
    expect((await sceneCopyright())[0]).toBe(text);

    // and through the HTTP route the image changes with it
    const body = { site: square(533000, 179000, 30), crs: 'EPSG:27700', scale: 1250 };
    const a = await t.as('officer').post('/api/maps/site-location.png').send(body).expect(200);
    await cli(['authority:copyright', '--text', 'A different statement for the foot of the map.']);
    const b = await t.as('officer').post('/api/maps/site-location.png').send(body).expect(200);
    expect(Buffer.compare(a.body as Buffer, b.body as Buffer)).not.toBe(0);
  }, 60_000);

  it('refuses a statement too short to be one, and changes nothing', async () => {
    const before = (await t.db('authority').first('copyright_statement')).copyright_statement as string;
    const r = await cli(['authority:copyright', '--text', 'short']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('10 to 1000 characters');
    expect((await t.db('authority').first('copyright_statement')).copyright_statement).toBe(before);
  }, 30_000);
});
