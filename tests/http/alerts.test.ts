/**
 * Alerts (issue 13 item 3): subscribe, confirm, match, send, unsubscribe, through the public pages and the one
 * matching statement; and the Notifier (recording, and GOV.UK Notify against a local stub of its API).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { loadConfig } from '../../server/config/index.ts';
import { listOutbox } from '../../server/modules/notify/repo.ts';
import {
  createNotifier,
  GovUkNotifier,
  NotifyError,
  RecordingNotifier,
  type Notifier,
} from '../../server/modules/notify/index.ts';
import { matchAlerts, sendAlerts, startAlertTimer } from '../../server/modules/alerts/service.ts';
import { createLogger } from '../../server/logger.ts';

const SECRET = 'x'.repeat(40); // the test app's session secret (tests/helpers/app.ts)
const BASE = 'https://planning.example.gov.uk';
const EMAIL = 'quillon.marchbanks-alerts@example.org';
const AREA_EMAIL = 'area.resident.zephyrine@example.org';

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, callback) {
    lines.push(String(chunk));
    callback();
  },
});
/** every public response body, to check none holds an email */
const bodies: string[] = [];

let t: TestApp;
const links = { baseUrl: BASE, secret: SECRET };
const notifier = () => new RecordingNotifier(t.db);
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const tokenOf = (url: string) => url.split('/').pop()!;
const pathOf = (url: string) => url.slice(BASE.length);

const rect = (x0: number, y0: number, x1: number, y1: number) =>
  `POLYGON((${x0} ${y0}, ${x1} ${y0}, ${x1} ${y1}, ${x0} ${y1}, ${x0} ${y0}))`;

let seq = 0;
async function application(site: string | null, publication = 'published') {
  seq++;
  const reference = `26/AP/${String(seq).padStart(4, '0')}`;
  const [row] = await t
    .db('case_record')
    .insert({
      authority_id: t.authorityId,
      kind: 'application',
      reference,
      application_type: 'full',
      description: `Proposal number ${seq}`,
      site_address: `${seq} Alert Street`,
      status: 'received',
      received_date: '2026-11-01',
      publication,
    })
    .returning<Array<{ id: number }>>('id');
  if (site)
    await t.db('case_site').insert({
      case_id: row!.id,
      geom: t.db.raw('ST_Multi(ST_GeomFromText(?, 27700))', [site]),
      area_m2: 1,
      source: 'drawn',
      input_crs: 'EPSG:27700',
    });
  return { id: row!.id, reference };
}

async function post(url: string, form: Record<string, string>) {
  const res = await t.anon.post(url).type('form').send(form);
  bodies.push(res.text);
  return res;
}
async function get(url: string) {
  const res = await t.anon.get(url);
  bodies.push(res.text);
  return res;
}

const outbox = (template?: string) => listOutbox(t.db, template);
const sentTo = async (email: string, template = 'alert-new-applications') =>
  (await outbox(template)).filter((m) => m.to === email);

// the subscriber's centre: 532500, 179800, 100 m
const X = 532500;
const Y = 179800;

beforeAll(async () => {
  t = await startTestApp(
    { LOG_LEVEL: 'trace', ALERT_SUBSCRIBE_RATE_LIMIT_PER_HOUR: '1000', PUBLIC_BASE_URL: BASE },
    sink,
  );
  // a postcode's address points (their mean is the postcode's centre)
  await t.db('address').insert([
    {
      uprn: 990001,
      address_lines: ['1 Zephyr Row'],
      postcode: 'SE1 9QQ',
      geom: t.db.raw('ST_Point(532000, 179000, 27700)'),
    },
    {
      uprn: 990002,
      address_lines: ['3 Zephyr Row'],
      postcode: 'SE1 9QQ',
      geom: t.db.raw('ST_Point(532010, 179020, 27700)'),
    },
  ]);
});
afterAll(async () => {
  await t?.closeApp();
});

describe('subscribing', () => {
  it('shows the form without JavaScript', async () => {
    const res = await get('/register/alerts');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<form method="post" action="/register/alerts"');
    expect(res.text).toContain('name="email"');
    expect(res.text).toContain('name="place"');
    for (const r of ['100', '200', '500', '1000', '2000']) expect(res.text).toContain(`value="${r}"`);
    expect(res.text).toContain('name="area"');
  });

  it('refuses a wrong form with the GOV.UK error summary and stores nothing', async () => {
    const res = await post('/register/alerts', { email: 'not-an-email', place: '', radius: '100' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('There is a problem');
    expect(res.text).toContain('Enter an email address in the correct format');
    expect(res.text).toContain('Enter a postcode, an address or a grid reference');
    const unknown = await post('/register/alerts', { email: EMAIL, place: 'ZZ9 9ZZ', radius: '100' });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('We do not know the postcode ZZ9 9ZZ');
    const radius = await post('/register/alerts', { email: EMAIL, place: 'TQ 32500 79800', radius: '150' });
    expect(radius.status).toBe(400);
    expect(radius.text).toContain('Select a distance');
    expect(Number((await t.db('alert_subscription').count('* as n'))[0]!.n)).toBe(0);
    expect(await outbox()).toEqual([]);
  });

  it('sends nothing but the confirmation email, and stores only hashes of the tokens', async () => {
    const res = await post('/register/alerts', { email: EMAIL, place: `${X}, ${Y}`, radius: '100' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Check your email');
    expect(res.headers['cache-control']).toBe('no-store');
    const sent = await outbox();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.template).toBe('alert-confirm');
    expect(sent[0]!.to).toBe(EMAIL);
    expect(sent[0]!.personalisation.area).toBe(`100 m of ${X}, ${Y}`);
    const confirmUrl = sent[0]!.personalisation.confirm_url!;
    expect(confirmUrl).toMatch(new RegExp(`^${BASE}/register/alerts/confirm/[A-Za-z0-9_-]{40,}$`));
    const token = tokenOf(confirmUrl);
    const row = await t.db('alert_subscription').first();
    expect(row.confirm_token_hash).toBe(sha256(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.confirmed_at).toBeNull();
    expect(row.radius_m).toBe(100);
  });

  it('finds a postcode by its addresses and offers a choice between addresses', async () => {
    const res = await post('/register/alerts', {
      email: 'postcode.person@example.org',
      place: 'se19qq',
      radius: '500',
    });
    expect(res.status).toBe(200);
    const row = await t
      .db('alert_subscription')
      .where({ label: 'SE1 9QQ' })
      .first(t.db.raw('ST_X(centre) AS x'), t.db.raw('ST_Y(centre) AS y'));
    expect([Number(row.x), Number(row.y)]).toEqual([532005, 179010]);
    const several = await post('/register/alerts', {
      email: 'address.person@example.org',
      place: 'Zephyr Row',
      radius: '200',
    });
    expect(several.status).toBe(400);
    expect(several.text).toContain('Select your address');
    expect(several.text).toContain('value="990001"');
    const chosen = await post('/register/alerts', {
      email: 'address.person@example.org',
      place: 'Zephyr Row',
      uprn: '990002',
      radius: '200',
    });
    expect(chosen.status).toBe(200);
    const c = await t
      .db('alert_subscription')
      .where({ email: 'address.person@example.org' })
      .first(t.db.raw('ST_X(centre) AS x'));
    expect(Number(c.x)).toBe(532010);
  });

  it('sends no more than three confirmation emails a day for one address', async () => {
    const email = 'often@example.org';
    for (let i = 0; i < 5; i++)
      expect((await post('/register/alerts', { email, place: 'TQ 1 1', radius: '100' })).status).toBe(200);
    expect((await outbox('alert-confirm')).filter((m) => m.to === email)).toHaveLength(3);
  });
});

describe('matching and sending', () => {
  let confirmToken = '';
  let unsubscribeUrl = '';
  let early: { id: number; reference: string };
  let exact: { id: number; reference: string };

  it('never matches an unconfirmed subscription', async () => {
    confirmToken = tokenOf((await outbox('alert-confirm')).find((m) => m.to === EMAIL)!.personalisation.confirm_url!);
    early = await application(rect(X + 10, Y - 10, X + 20, Y + 10));
    await sendAlerts(t.db, notifier(), links);
    expect(await sentTo(EMAIL)).toEqual([]);
    expect(Number((await t.db('alert_delivery').count('* as n'))[0]!.n)).toBe(0);
  });

  it('confirms only when the button is pressed (a link checker fetching the link confirms nothing)', async () => {
    const page = await get(`/register/alerts/confirm/${confirmToken}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Confirm your alert');
    expect(page.text).toContain(`action="/register/alerts/confirm/${confirmToken}"`);
    expect((await t.db('alert_subscription').where({ email: EMAIL }).first()).confirmed_at).toBeNull();
    const done = await post(`/register/alerts/confirm/${confirmToken}`, {});
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your alert is set up');
    expect((await t.db('alert_subscription').where({ email: EMAIL }).first()).confirmed_at).not.toBeNull();
    // confirming again is harmless
    expect((await post(`/register/alerts/confirm/${confirmToken}`, {})).text).toContain('Your alert is set up');
  });

  it('sends new applications once: exactly at the distance in, 1 cm beyond out, unpublished and withdrawn never', async () => {
    // the nearest edge exactly 100 m from the centre, and 100.01 m
    exact = await application(rect(X + 100, Y - 10, X + 120, Y + 10));
    const beyond = await application(rect(X + 100.01, Y - 30, X + 120, Y - 20));
    const unpublished = await application(rect(X - 5, Y - 5, X + 5, Y + 5), 'unpublished');
    const withdrawn = await application(rect(X - 15, Y - 15, X - 10, Y - 10));
    await t.db('case_record').where({ id: withdrawn.id }).update({ publication: 'withdrawn' });
    await application(null); // no site: nowhere to match

    const report = await sendAlerts(t.db, notifier(), links);
    expect(report.failed).toBe(0);
    const mails = await sentTo(EMAIL);
    expect(mails).toHaveLength(1);
    const p = mails[0]!.personalisation;
    expect(p.count).toBe('1');
    expect(p.applications).toContain(exact.reference);
    expect(p.applications).toContain(`${BASE}/register/applications/${exact.reference.replaceAll('/', '-')}`);
    for (const other of [beyond, unpublished, withdrawn, early]) expect(p.applications).not.toContain(other.reference);
    unsubscribeUrl = p.unsubscribe_url!;
    expect(unsubscribeUrl).toMatch(new RegExp(`^${BASE}/register/alerts/unsubscribe/[A-Za-z0-9_-]{40,}$`));
    expect(mails[0]!.unsubscribeUrl).toBe(unsubscribeUrl);
    const row = await t.db('alert_subscription').where({ email: EMAIL }).first();
    expect(row.unsubscribe_token_hash).toBe(sha256(tokenOf(unsubscribeUrl)));
    expect(row.last_matched_at).not.toBeNull();

    // a second run sends nothing
    expect(await matchAlerts(t.db)).toEqual([]);
    await sendAlerts(t.db, notifier(), links);
    expect(await sentTo(EMAIL)).toHaveLength(1);
  });

  it('sends an application when it is published later, once, even if withdrawn and published again', async () => {
    const later = await application(rect(X - 50, Y - 50, X - 40, Y - 40), 'unpublished');
    await sendAlerts(t.db, notifier(), links);
    expect(await sentTo(EMAIL)).toHaveLength(1);
    await t.db('case_record').where({ id: later.id }).update({ publication: 'published' });
    await sendAlerts(t.db, notifier(), links);
    const mails = await sentTo(EMAIL);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.personalisation.applications).toContain(later.reference);
    await t.db('case_record').where({ id: later.id }).update({ publication: 'withdrawn' });
    await t.db('case_record').where({ id: later.id }).update({ publication: 'published' });
    await sendAlerts(t.db, notifier(), links);
    expect(await sentTo(EMAIL)).toHaveLength(2);
  });

  it('gives the applications back when an email cannot be sent, and sends them next time', async () => {
    const failing: Notifier = {
      send: async () => {
        throw new NotifyError('GOV.UK Notify refused "alert-new-applications" (HTTP 500)');
      },
    };
    const next = await application(rect(X, Y + 50, X + 10, Y + 60));
    const r = await sendAlerts(t.db, failing, links);
    expect(r).toMatchObject({ emails: 0, failed: 1 });
    expect(await t.db('alert_delivery').where({ case_id: next.id })).toEqual([]);
    await sendAlerts(t.db, notifier(), links);
    const mails = await sentTo(EMAIL);
    expect(mails).toHaveLength(3);
    expect(mails[2]!.personalisation.applications).toContain(next.reference);
  });

  it('matches an area subscription by the sites that touch the area', async () => {
    const area = ['533000 180000', '533200 180000', '533200 180200', '533000 180200'].join('\n');
    const res = await post('/register/alerts', { email: AREA_EMAIL, place: '', radius: '100', area });
    expect(res.status).toBe(200);
    const token = tokenOf(
      (await outbox('alert-confirm')).find((m) => m.to === AREA_EMAIL)!.personalisation.confirm_url!,
    );
    await post(`/register/alerts/confirm/${token}`, {});
    const inside = await application(rect(533050, 180050, 533060, 180060));
    const touching = await application(rect(533200, 180100, 533220, 180120)); // shares the area's east edge
    const outside = await application(rect(533200.01, 180130, 533220, 180140));
    await sendAlerts(t.db, notifier(), links);
    const mails = await sentTo(AREA_EMAIL);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.personalisation.count).toBe('2');
    expect(mails[0]!.personalisation.applications).toContain(inside.reference);
    expect(mails[0]!.personalisation.applications).toContain(touching.reference);
    expect(mails[0]!.personalisation.applications).not.toContain(outside.reference);
    // the radius subscriber, far away, got none of them
    expect((await sentTo(EMAIL)).every((m) => !m.personalisation.applications!.includes(inside.reference))).toBe(true);
  });

  it('refuses an area whose edges cross', async () => {
    const res = await post('/register/alerts', {
      email: AREA_EMAIL,
      place: '',
      radius: '100',
      area: '533000 180000\n533200 180200\n533200 180000\n533000 180200',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('edges cross');
  });

  it('unsubscribes with one click: GET shows a button and changes nothing; POST unsubscribes', async () => {
    const path = pathOf(unsubscribeUrl);
    const page = await get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Unsubscribe from this alert');
    expect(page.text).toContain(`action="${path}"`);
    expect((await t.db('alert_subscription').where({ email: EMAIL }).first()).unsubscribed_at).toBeNull();
    const done = await post(path, {});
    expect(done.status).toBe(200);
    expect(done.text).toContain('You have unsubscribed');
    expect((await t.db('alert_subscription').where({ email: EMAIL }).first()).unsubscribed_at).not.toBeNull();
    await application(rect(X, Y, X + 10, Y + 10));
    await sendAlerts(t.db, notifier(), links);
    expect(await sentTo(EMAIL)).toHaveLength(3);
    // the link keeps saying so
    expect((await get(path)).text).toContain('You have unsubscribed');
  });

  it('accepts the RFC 8058 one-click POST (List-Unsubscribe=One-Click), urlencoded or multipart', async () => {
    const url = (await sentTo(AREA_EMAIL))[0]!.unsubscribeUrl!;
    const res = await t.anon.post(pathOf(url)).type('form').send('List-Unsubscribe=One-Click');
    bodies.push(res.text);
    expect(res.status).toBe(200);
    expect((await t.db('alert_subscription').where({ email: AREA_EMAIL }).first()).unsubscribed_at).not.toBeNull();
    const multipart = await t.anon.post(pathOf(url)).field('List-Unsubscribe', 'One-Click');
    expect(multipart.status).toBe(200);
  });

  it('answers an invalid or unknown token with a page that says the link does not work', async () => {
    for (const path of [
      '/register/alerts/confirm/abc',
      `/register/alerts/confirm/${'A'.repeat(43)}`,
      `/register/alerts/unsubscribe/${'B'.repeat(43)}`,
      '/register/alerts/unsubscribe/x',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.text).toContain('This link does not work');
      const p = await post(path, { 'List-Unsubscribe': 'One-Click' });
      expect(p.status, path).toBe(404);
    }
    // an unsubscribe token does not confirm, nor a confirm token unsubscribe
    expect((await get(`/register/alerts/confirm/${tokenOf(unsubscribeUrl)}`)).status).toBe(404);
    expect((await get(`/register/alerts/unsubscribe/${confirmToken}`)).status).toBe(404);
  });

  it('runs from the CLI: alerts:send', async () => {
    const token = tokenOf(
      (await outbox('alert-confirm')).find((m) => m.to === 'postcode.person@example.org')!.personalisation.confirm_url!,
    );
    await post(`/register/alerts/confirm/${token}`, {});
    const near = await application(rect(532000, 179000, 532010, 179010));
    const r = await runCli(t.url, ['alerts:send'], { SESSION_SECRET: SECRET, PUBLIC_BASE_URL: BASE });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('alerts: 1 email sent listing 1 application');
    const mails = await sentTo('postcode.person@example.org');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.personalisation.applications).toContain(near.reference);
    // the CLI's unsubscribe link is the same as the server's (one secret)
    const row = await t.db('alert_subscription').where({ email: 'postcode.person@example.org' }).first();
    expect(sha256(tokenOf(mails[0]!.unsubscribeUrl!))).toBe(row.unsubscribe_token_hash);
    expect((await runCli(t.url, ['alerts:send'], { SESSION_SECRET: SECRET })).stdout).toContain('alerts: 0 emails');
  });

  it('runs on a timer', async () => {
    const near = await application(rect(532000, 179020, 532010, 179030));
    const timer = startAlertTimer(t.db, notifier(), links, 0.002, createLogger('silent'));
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await sentTo('postcode.person@example.org')).length < 2)
      await new Promise((r) => setTimeout(r, 50));
    await timer.stop();
    expect((await sentTo('postcode.person@example.org'))[1]!.personalisation.applications).toContain(near.reference);
  });

  it('never puts a subscriber email or a token in a public response or a log line', async () => {
    const emails = (await t.db('alert_subscription').distinct('email')).map((r: { email: string }) => r.email);
    const tokens = (await outbox()).flatMap((m) => [m.personalisation.confirm_url, m.unsubscribeUrl].filter(Boolean));
    const log = lines.join('');
    expect(log).toContain('/register/alerts/confirm/:token');
    for (const e of emails) {
      expect(log).not.toContain(e);
      for (const b of bodies.filter((x) => !x.includes('There is a problem'))) expect(b).not.toContain(e);
    }
    for (const u of tokens) expect(log).not.toContain(tokenOf(u!));
    // the audit log names the subscription, not the person
    const audit = JSON.stringify(await t.db('audit_log').where({ entity_type: 'alert_subscription' }));
    expect(audit).toContain('alert.subscribe');
    for (const e of emails) expect(audit).not.toContain(e);
  });
});

describe('rate limits', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await startTestApp({ ALERT_SUBSCRIBE_RATE_LIMIT_PER_HOUR: '2' });
  });
  afterAll(async () => {
    await small?.closeApp();
  });
  it('limits subscriptions per client address', async () => {
    const send = () =>
      small.anon.post('/register/alerts').type('form').send({ email: 'r@example.org', place: 'TQ 1 1', radius: '100' });
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(limited.text).toContain('Too many alert requests');
  });
});

describe('Notifier', () => {
  it('records by default and uses GOV.UK Notify when NOTIFY_API_KEY is set', () => {
    const fakeDb = {} as TestApp['db'];
    expect(createNotifier(loadConfig({}), fakeDb)).toBeInstanceOf(RecordingNotifier);
    const key = `redline_test-${crypto.randomUUID()}-${crypto.randomUUID()}`;
    expect(createNotifier(loadConfig({ NOTIFY_API_KEY: key }), fakeDb)).toBeInstanceOf(GovUkNotifier);
  });

  describe('GOV.UK Notify, against a local stub of its API', () => {
    let server: http.Server;
    let baseUrl = '';
    const received: Array<{ path: string; auth: string; body: Record<string, unknown> }> = [];
    let reply: { status: number; body: unknown } = { status: 201, body: { id: 'notify-message-id-1' } };
    const serviceId = crypto.randomUUID();
    const key = `redline_test-${serviceId}-${crypto.randomUUID()}`;
    const templateId = crypto.randomUUID();

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        let data = '';
        req.on('data', (c) => (data += c));
        req.on('end', () => {
          received.push({ path: req.url ?? '', auth: req.headers.authorization ?? '', body: JSON.parse(data || '{}') });
          res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('sends an email with the template id, personalisation, reference and one-click unsubscribe URL', async () => {
      const n = new GovUkNotifier(key, { 'alert-new-applications': templateId }, baseUrl);
      const r = await n.send({
        template: 'alert-new-applications',
        to: 'someone@example.org',
        personalisation: { count: '2' },
        reference: 'alert-1',
        unsubscribeUrl: `${BASE}/register/alerts/unsubscribe/abc`,
      });
      expect(r.id).toBe('notify-message-id-1');
      const got = received.at(-1)!;
      expect(got.path).toBe('/v2/notifications/email');
      expect(got.auth).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      const claims = JSON.parse(Buffer.from(got.auth.split('.')[1]!, 'base64url').toString());
      expect(claims.iss).toBe(serviceId);
      expect(got.body).toEqual({
        template_id: templateId,
        email_address: 'someone@example.org',
        personalisation: { count: '2' },
        reference: 'alert-1',
        one_click_unsubscribe_url: `${BASE}/register/alerts/unsubscribe/abc`,
      });
    });

    it('reports a refusal with the status and error codes, never the address', async () => {
      reply = { status: 400, body: { status_code: 400, errors: [{ error: 'BadRequestError', message: 'x' }] } };
      const n = new GovUkNotifier(key, { 'alert-confirm': templateId }, baseUrl);
      const err = await n
        .send({ template: 'alert-confirm', to: 'hidden.person@example.org', personalisation: {} })
        .then(
          () => null,
          (e: unknown) => e as NotifyError,
        );
      expect(err).toBeInstanceOf(NotifyError);
      if (!err) return;
      expect(err.message).toBe('GOV.UK Notify refused "alert-confirm" (HTTP 400: BadRequestError)');
      expect(JSON.stringify(err)).not.toContain('hidden.person');
      const missing = await n
        .send({ template: 'alert-new-applications', to: 'a@example.org', personalisation: {} })
        .then(
          () => null,
          (e: unknown) => e as Error,
        );
      expect(missing?.message).toContain('NOTIFY_TEMPLATE_ALERT_NEW_APPLICATIONS');
    });
  });
});
