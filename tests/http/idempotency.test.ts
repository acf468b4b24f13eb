/**
 * Idempotency-Key on POST creations: a client retrying after a dropped connection gets the first answer again and
 * nothing is made twice, also when the retries race each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { caseEtag } from '../helpers/if-match.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.closeApp();
});

const body = (description: string) => ({
  kind: 'application',
  applicationType: 'hh',
  description,
  receivedDate: '2026-10-01',
});
const cases = async (description: string) =>
  Number((await t.db('case_record').where({ description }).count('* as n'))[0]!.n);

describe('Idempotency-Key', () => {
  it('a retry gets the first answer (same case, marked replayed) and makes nothing new', async () => {
    const first = await t.as('officer').post('/api/cases').set('Idempotency-Key', 'k-retry-1').send(body('Retry one'));
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await t.as('officer').post('/api/cases').set('Idempotency-Key', 'k-retry-1').send(body('Retry one'));
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await cases('Retry one')).toBe(1);
  });

  it('eight racing copies of one request make one case; each gets it or is told the first is still running', async () => {
    const sends = Array.from({ length: 8 }, () =>
      t.as('officer').post('/api/cases').set('Idempotency-Key', 'k-race').send(body('Raced')),
    );
    const answers = await Promise.all(sends);
    const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.id as number));
    expect(ids.size).toBe(1);
    for (const a of answers) {
      expect([201, 409]).toContain(a.status);
      if (a.status === 409) expect(a.body.error.code).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
    }
    expect(await cases('Raced')).toBe(1);
    // once the first has finished, every retry gets its answer
    const late = await t.as('officer').post('/api/cases').set('Idempotency-Key', 'k-race').send(body('Raced'));
    expect(late.status).toBe(201);
    expect(ids.has(late.body.id as number)).toBe(true);
  });

  it('the same key with another request is refused (422), making nothing', async () => {
    await t.as('officer').post('/api/cases').set('Idempotency-Key', 'k-reuse').send(body('First use')).expect(201);
    const other = await t.as('officer').post('/api/cases').set('Idempotency-Key', 'k-reuse').send(body('Other use'));
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await cases('Other use')).toBe(0);
  });

  it('a refused request (4xx) does not keep the key: corrected, it may be sent with the same key', async () => {
    const bad = await t
      .as('officer')
      .post('/api/cases')
      .set('Idempotency-Key', 'k-fix')
      .send({ ...body('Fixed later'), receivedDate: 'not a date' });
    expect(bad.status).toBe(400);
    const fixed = await t.as('officer').post('/api/cases').set('Idempotency-Key', 'k-fix').send(body('Fixed later'));
    expect(fixed.status).toBe(201);
    expect(await cases('Fixed later')).toBe(1);
  });

  it('keys are per user: two users with the same key make two cases', async () => {
    await t.as('officer').post('/api/cases').set('Idempotency-Key', 'k-shared').send(body('Per user')).expect(201);
    const other = await t.as('support').post('/api/cases').set('Idempotency-Key', 'k-shared').send(body('Per user'));
    expect(other.status).toBe(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(await cases('Per user')).toBe(2);
  });

  it('a key that is not 1–255 visible ASCII characters is refused with 400; without a key nothing changes', async () => {
    for (const key of ['', 'has space', 'x'.repeat(256), 'é']) {
      const res = await t.as('officer').post('/api/cases').set('Idempotency-Key', key).send(body('Bad key'));
      expect(res.status, JSON.stringify(key)).toBe(400);
    }
    expect(await cases('Bad key')).toBe(0);
    await t.as('officer').post('/api/cases').send(body('No key')).expect(201);
    await t.as('officer').post('/api/cases').send(body('No key')).expect(201);
    expect(await cases('No key')).toBe(2);
  });

  it('works for other creations too: a stored constraint check', async () => {
    const c = await t.as('officer').post('/api/cases').send(body('Check twice')).expect(201);
    await t
      .as('officer')
      .put(`/api/cases/${c.body.id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, c.body.id))
      .send({
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [532000, 179000],
              [532010, 179000],
              [532010, 179010],
              [532000, 179000],
            ],
          ],
        },
      })
      .expect(200);
    const url = `/api/cases/${c.body.id}/constraint-checks`;
    const a = await t.as('officer').post(url).set('Idempotency-Key', 'k-check').send({});
    const b = await t.as('officer').post(url).set('Idempotency-Key', 'k-check').send({});
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    expect(Number((await t.db('constraint_check').where({ case_id: c.body.id }).count('* as n'))[0]!.n)).toBe(1);
  });
});
