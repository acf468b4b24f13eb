/**
 * The authority's contact details (issue 14 item 1): GET/PUT /api/authority/details (admin only, validated field by
 * field, version-checked with If-Match, audited), `npm run redline -- authority:details` (a JSON file and a logo file),
 * the logo checked to be a real PNG or SVG of limited size, and each officer's email and phone (PATCH /api/users/:id)
 * read back by getAuthorityDetails / officerContact / urlFor, as documents use them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { getAuthorityDetails, officerContact, urlFor } from '../../server/modules/authority/details.ts';
import { AuthorityDetailsSchema } from '../../server/modules/authority/service.ts';
import { demoAuthorityDetails } from '../../server/seed/seed.ts';
import { userEtag } from '../helpers/if-match.ts';

let t: TestApp;
let dir: string;
let png: Buffer;
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60"><rect width="200" height="60" fill="#005ea5"/></svg>';

beforeAll(async () => {
  t = await startTestApp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-details-'));
  png = await sharp({ create: { width: 240, height: 80, channels: 3, background: '#005ea5' } })
    .png()
    .toBuffer();
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await t.closeApp();
});

const authorityId = async () => (await t.db('authority').first('id')).id as number;

describe('GET and PUT /api/authority/details', () => {
  it('shows the authority name and nothing invented before anything is set', async () => {
    const r = await t.as('admin').get('/api/authority/details').expect(200);
    expect(r.headers.etag).toBe('"v1"');
    expect(r.body).toMatchObject({
      version: 1,
      addressLines: [],
      postcode: null,
      phone: null,
      email: null,
      website: null,
      commentUrlTemplate: null,
      plansUrlTemplate: null,
      logo: null,
      osLicenceNumber: null,
      copyrightOwner: null,
    });
    const d = await getAuthorityDetails(t.db, await authorityId());
    expect(d.name).toBe(r.body.name);
    expect(d.logo).toBeNull();
  });

  it('is for admins only', async () => {
    for (const role of ['officer', 'gis', 'support', 'enforcement'] as const) {
      await t.as(role).get('/api/authority/details').expect(403);
      await t.as(role).put('/api/authority/details').send({ phone: '020 7525 5403' }).expect(403);
    }
  });

  it('sets every field (audited), keeps fields left out, and checks the version with If-Match', async () => {
    const body = {
      addressLines: ['Planning division', 'PO Box 64529', 'London'],
      postcode: 'se1p 5lx',
      phone: '020 7525 5403',
      email: 'planning@example.gov.uk',
      website: 'https://www.example.gov.uk',
      commentUrlTemplate: 'https://redline.example/register/applications/{slug}/comment',
      plansUrlTemplate: 'https://planning.example.gov.uk/app?ref={reference}',
      logo: { mediaType: 'image/png', data: png.toString('base64') },
      osLicenceNumber: 'AC0000812345',
      copyrightOwner: 'Test Borough Council',
    };
    const r = await t.as('admin').put('/api/authority/details').set('If-Match', '"v1"').send(body).expect(200);
    expect(r.headers.etag).toBe('"v2"');
    expect(r.body).toMatchObject({ ...body, postcode: 'SE1P 5LX', version: 2, logo: { mediaType: 'image/png' } });
    expect(r.body.logo.bytes).toBe(png.length);
    expect(r.body.logo.data).toBeUndefined();
    const withLogo = await t.as('admin').get('/api/authority/details?logo=1').expect(200);
    expect(Buffer.from(withLogo.body.logo.data, 'base64').equals(png)).toBe(true);

    const audit = await t.db('audit_log').where({ action: 'authority.details.update' }).orderBy('id', 'desc').first();
    expect(audit.actor).toBe('admin.user');
    expect(audit.before.phone).toBeNull();
    expect(audit.after).toMatchObject({ phone: '020 7525 5403', version: 2, logo: { bytes: png.length } });
    // the audit row holds the logo's hash, not its bytes
    expect(JSON.stringify(audit.after)).not.toContain(png.toString('base64').slice(0, 40));

    // a stale edit is refused and changes nothing; a field left out is kept; null clears one
    const stale = await t.as('admin').put('/api/authority/details').set('If-Match', '"v1"').send({ phone: null });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('VERSION_CONFLICT');
    const cleared = await t
      .as('admin')
      .put('/api/authority/details')
      .set('If-Match', '"v2"')
      .send({ phone: null })
      .expect(200);
    expect(cleared.body).toMatchObject({ version: 3, phone: null, email: 'planning@example.gov.uk' });
    expect(cleared.body.logo.mediaType).toBe('image/png');

    const d = await getAuthorityDetails(t.db, await authorityId());
    expect(d.addressLines).toEqual(['Planning division', 'PO Box 64529', 'London']);
    expect(d.postcode).toBe('SE1P 5LX');
    expect(d.logo!.mediaType).toBe('image/png');
    expect(d.logo!.data.equals(png)).toBe(true);
    expect(d.osLicenceNumber).toBe('AC0000812345');
    expect(urlFor(d.commentUrlTemplate, '26/AP/0001')).toBe(
      'https://redline.example/register/applications/26-AP-0001/comment',
    );
    expect(urlFor(d.plansUrlTemplate, '26/AP/0001')).toBe('https://planning.example.gov.uk/app?ref=26%2FAP%2F0001');
    expect(urlFor(null, '26/AP/0001')).toBeNull();
  });

  it('refuses what is not valid with 400 naming the field, and changes nothing', async () => {
    const before = (await t.as('admin').get('/api/authority/details').expect(200)).body;
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ postcode: 'not a postcode' }, 'body.postcode'],
      [{ phone: 'call us' }, 'body.phone'],
      [{ email: 'nobody' }, 'body.email'],
      [{ website: 'ftp://example.org' }, 'body.website'],
      [{ commentUrlTemplate: 'https://example.org/comment' }, 'body.commentUrlTemplate'],
      [{ plansUrlTemplate: 'https://example.org/{ref}' }, 'body.plansUrlTemplate'],
      [{ name: '' }, 'body.name'],
      [{ colour: 'red' }, 'body'],
      [{ logo: { mediaType: 'image/gif', data: 'R0lGOD' } }, 'body.logo.mediaType'],
      // a text file called a PNG, a PNG called an SVG, an SVG with a script, one too big
      [{ logo: { mediaType: 'image/png', data: Buffer.from('hello').toString('base64') } }, 'body.logo'],
      [{ logo: { mediaType: 'image/svg+xml', data: png.toString('base64') } }, 'body.logo'],
      [
        {
          logo: {
            mediaType: 'image/svg+xml',
            data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString(
              'base64',
            ),
          },
        },
        'body.logo',
      ],
      [
        {
          logo: {
            mediaType: 'image/png',
            data: Buffer.concat([png, Buffer.alloc(600 * 1024)]).toString('base64'),
          },
        },
        'body.logo',
      ],
    ];
    for (const [body, field] of bad) {
      const r = await t.as('admin').put('/api/authority/details').set('If-Match', `"v${before.version}"`).send(body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
    }
    const after = (await t.as('admin').get('/api/authority/details').expect(200)).body;
    expect(after).toEqual(before);
  });

  it("takes an officer's email and phone (PATCH /api/users/:id), as letters name the case officer", async () => {
    const id = t.users.officer.id;
    const r = await t
      .as('admin')
      .patch(`/api/users/${id}`)
      .set('If-Match', await userEtag(t, id))
      .send({ email: 'olu.officer@example.gov.uk', phone: '020 7525 0000' })
      .expect(200);
    expect(r.body.user).toMatchObject({ email: 'olu.officer@example.gov.uk', phone: '020 7525 0000' });
    expect(await officerContact(t.db, id)).toEqual({
      name: t.users.officer.displayName,
      email: 'olu.officer@example.gov.uk',
      phone: '020 7525 0000',
    });
    expect(await officerContact(t.db, null)).toBeNull();
    const bad = await t
      .as('admin')
      .patch(`/api/users/${id}`)
      .set('If-Match', await userEtag(t, id))
      .send({ email: 'x' })
      .expect(400);
    expect(bad.body.error.details.issues[0].path).toBe('body.email');
    const audit = await t.db('audit_log').where({ action: 'user.update' }).orderBy('id', 'desc').first('after');
    expect(audit.after).toMatchObject({ email: 'olu.officer@example.gov.uk' });
  });
});

describe('the demo seed', () => {
  it("sets Southwark's published planning contact details and links to this Redline's register", () => {
    const d = demoAuthorityDetails('https://redline.example/');
    expect(AuthorityDetailsSchema.safeParse(d).success).toBe(true);
    expect(urlFor(d.commentUrlTemplate!, '26/AP/0007')).toBe(
      'https://redline.example/register/applications/26-AP-0007/comment',
    );
    expect(d.osLicenceNumber).toBeUndefined();
    expect(d.logo).toBeUndefined();
  });
});

describe('npm run redline -- authority:details', () => {
  const cli = (args: string[]) => runCli(t.url, args);

  it('sets the details from a JSON file and the logo from an SVG file (audited), and shows them', async () => {
    fs.writeFileSync(path.join(dir, 'logo.svg'), SVG);
    fs.writeFileSync(
      path.join(dir, 'details.json'),
      JSON.stringify({ phone: '020 7525 1111', website: 'https://www.example.gov.uk/planning', logo: 'logo.svg' }),
    );
    const r = await cli(['authority:details', '--file', path.join(dir, 'details.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Details set for');
    const shown = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(shown).toMatchObject({ phone: '020 7525 1111', logo: { mediaType: 'image/svg+xml', bytes: SVG.length } });
    const audit = await t.db('audit_log').where({ action: 'authority.details.update' }).orderBy('id', 'desc').first();
    expect(audit.actor).toMatch(/^cli:/);
    expect(audit.after).toMatchObject({ phone: '020 7525 1111' });

    const png2 = path.join(dir, 'logo.png');
    fs.writeFileSync(png2, png);
    const l = await cli(['authority:details', '--logo', png2]);
    expect(l.code, l.stderr).toBe(0);
    expect((await getAuthorityDetails(t.db, await authorityId())).logo!.mediaType).toBe('image/png');

    const none = await cli(['authority:details', '--logo', 'none']);
    expect(none.code, none.stderr).toBe(0);
    expect((await getAuthorityDetails(t.db, await authorityId())).logo).toBeNull();

    const show = await cli(['authority:details']);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ phone: '020 7525 1111', logo: null });
  }, 60_000);

  it('refuses a bad file or logo with the field, exit 2, changing nothing', async () => {
    const before = (await t.as('admin').get('/api/authority/details').expect(200)).body;
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ email: 'nobody' }));
    const a = await cli(['authority:details', '--file', path.join(dir, 'bad.json')]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('email');
    fs.writeFileSync(path.join(dir, 'fake.png'), 'not a png');
    const b = await cli(['authority:details', '--logo', path.join(dir, 'fake.png')]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('not a PNG');
    const c = await cli(['authority:details', '--logo', path.join(dir, 'logo.gif')]);
    expect(c.code).toBe(2);
    expect((await t.as('admin').get('/api/authority/details').expect(200)).body).toEqual(before);
  }, 60_000);
});
