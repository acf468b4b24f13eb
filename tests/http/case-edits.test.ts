/**
 * Edits that lose nothing: PATCH /api/cases/:id merges `development` as a JSON Merge Patch (RFC 7396: null
 * removes a key, keys not sent are kept, the merged whole is validated) and changes parties item by item.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { mergePatch } from '../../shared/domain/merge-patch.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.closeApp();
});

async function application(over: Record<string, unknown> = {}) {
  const res = await t
    .as('officer')
    .post('/api/cases')
    .send({
      kind: 'application',
      applicationType: 'full',
      description: 'Ten flats',
      receivedDate: '2026-10-01',
      validDate: '2026-10-05',
      ...over,
    });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: number; version: number };
}

async function patch(id: number, body: Record<string, unknown>, status = 200) {
  const current = await t.as('officer').get(`/api/cases/${id}`).expect(200);
  const res = await t.as('officer').patch(`/api/cases/${id}`).set('If-Match', current.headers.etag!).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res;
}

describe('mergePatch (RFC 7396)', () => {
  it('merges objects key by key, removes keys sent as null, replaces arrays and values, mutates nothing', () => {
    const target = { a: 1, b: { c: 2, d: 3 }, e: [1, 2] };
    const frozen = JSON.stringify(target);
    expect(mergePatch(target, { b: { d: null, f: 4 }, e: [3], g: 'x' })).toEqual({
      a: 1,
      b: { c: 2, f: 4 },
      e: [3],
      g: 'x',
    });
    expect(mergePatch(target, { a: null })).toEqual({ b: { c: 2, d: 3 }, e: [1, 2] });
    expect(mergePatch(target, {})).toEqual(target);
    expect(mergePatch(target, 'x')).toBe('x');
    expect(JSON.stringify(target)).toBe(frozen);
  });
});

describe('PATCH development is a merge patch', () => {
  it('keeps dwellings: 10 when only departure is sent: still major, statutory date unchanged', async () => {
    const c = await application({ development: { dwellings: 10 } });
    const before = await t.as('officer').get(`/api/cases/${c.id}/publicity`).expect(200);
    expect(before.body.classification.category).toBe('major');
    const res = await patch(c.id, { development: { departure: true } });
    expect(res.body.development).toEqual({ dwellings: 10, departure: true });
    const after = await t.as('officer').get(`/api/cases/${c.id}/publicity`).expect(200);
    expect(after.body.classification.category).toBe('major');
    expect(after.body.determination.statutoryDate).toBe(before.body.determination.statutoryDate);
  });

  it('removes a key sent as null, and all of development with development: null', async () => {
    const c = await application({ development: { dwellings: 10, eia: true, floorspaceM2: 1200 } });
    expect((await patch(c.id, { development: { eia: null } })).body.development).toEqual({
      dwellings: 10,
      floorspaceM2: 1200,
    });
    expect((await patch(c.id, { development: null })).body.development).toEqual({});
  });

  it.each([
    ['dwellings', 12],
    ['floorspaceM2', 999.5],
    ['eia', true],
    ['departure', false],
    ['publicRightOfWay', true],
    ['nearRailway', true],
    ['newBuildingOrExtension', true],
  ])('sets %s alone and keeps every other field', async (key, value) => {
    const start = { dwellings: 3, floorspaceM2: 10, eia: false, departure: true, publicRightOfWay: false };
    const c = await application({ development: start });
    const res = await patch(c.id, { development: { [key]: value } });
    expect(res.body.development).toEqual({ ...start, [key]: value });
  });

  it('says "some dwellings, number unknown" with "unknown" (null would remove it)', async () => {
    const c = await application({ development: { dwellings: 4, eia: false } });
    const res = await patch(c.id, { development: { dwellings: 'unknown' } });
    expect(res.body.development).toEqual({ dwellings: null, eia: false });
    expect((await patch(c.id, { development: { dwellings: null } })).body.development).toEqual({ eia: false });
  });

  it('merges into listedBuildingConsent and refuses a merge that leaves it incomplete, changing nothing', async () => {
    const c = await application({
      applicationType: 'lbc',
      development: { listedBuildingConsent: { grade: 'II', interiorOnly: false }, dwellings: 1 },
    });
    const res = await patch(c.id, { development: { listedBuildingConsent: { interiorOnly: true } } });
    expect(res.body.development).toEqual({ listedBuildingConsent: { grade: 'II', interiorOnly: true }, dwellings: 1 });
    const unknown = await patch(c.id, { development: { listedBuildingConsent: { grade: 'unknown' } } });
    expect(unknown.body.development.listedBuildingConsent).toEqual({ grade: null, interiorOnly: true });
    const bad = await patch(c.id, { development: { listedBuildingConsent: { grade: null } } }, 400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.message).toMatch(/body\.development\.listedBuildingConsent\.grade/);
    const now = await t.as('officer').get(`/api/cases/${c.id}`).expect(200);
    expect(now.body.development.listedBuildingConsent).toEqual({ grade: null, interiorOnly: true });
  });

  it('refuses an unknown development key', async () => {
    const c = await application();
    const res = await patch(c.id, { development: { storeys: 3 } }, 400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('PATCH parties item by item', () => {
  const applicant = { role: 'applicant', name: 'Ada Applicant', email: 'ada@example.org', phone: '020 7946 0000' };

  it('adds an agent without touching the applicant', async () => {
    const c = await application({ parties: [applicant] });
    const res = await patch(c.id, { parties: [{ role: 'agent', name: 'Arnold Agent' }] });
    expect(res.body.parties.map((p: { role: string; name: string }) => [p.role, p.name])).toEqual([
      ['applicant', 'Ada Applicant'],
      ['agent', 'Arnold Agent'],
    ]);
  });

  it('changes one field of one party by its id (null clears it), keeping its other fields and the other parties', async () => {
    const c = await application({ parties: [applicant, { role: 'agent', name: 'Arnold Agent' }] });
    const parties = (await t.as('officer').get(`/api/cases/${c.id}`).expect(200)).body.parties;
    const ada = parties.find((p: { role: string }) => p.role === 'applicant');
    expect(ada.id).toEqual(expect.any(Number));
    const res = await patch(c.id, { parties: [{ id: ada.id, email: 'ada@new.example.org', phone: null }] });
    const after = res.body.parties.find((p: { id: number }) => p.id === ada.id);
    expect(after).toMatchObject({ name: 'Ada Applicant', email: 'ada@new.example.org', phone: null });
    expect(res.body.parties).toHaveLength(2);
  });

  it('removes one party by its id and keeps the rest', async () => {
    const c = await application({ parties: [applicant, { role: 'agent', name: 'Arnold Agent' }] });
    const parties = (await t.as('officer').get(`/api/cases/${c.id}`).expect(200)).body.parties;
    const agent = parties.find((p: { role: string }) => p.role === 'agent');
    const res = await patch(c.id, { parties: [{ id: agent.id, remove: true }] });
    expect(res.body.parties.map((p: { role: string }) => p.role)).toEqual(['applicant']);
  });

  it("refuses another case's party id, or a removed one, and changes nothing (one transaction)", async () => {
    const a = await application({ parties: [applicant] });
    const b = await application({ parties: [{ role: 'agent', name: 'Other Agent' }] });
    const other = (await t.as('officer').get(`/api/cases/${b.id}`).expect(200)).body.parties[0];
    const res = await patch(
      a.id,
      {
        parties: [
          { role: 'agent', name: 'Would Be Added' },
          { id: other.id, name: 'x' },
        ],
      },
      400,
    );
    expect(res.body.error.message).toMatch(/parties\.1\.id: the case has no party with id/);
    const now = (await t.as('officer').get(`/api/cases/${a.id}`).expect(200)).body;
    expect(now.parties.map((p: { name: string }) => p.name)).toEqual(['Ada Applicant']);
    expect(now.version).toBe(a.version);
  });

  it('audits the parties before and after', async () => {
    const c = await application({ parties: [applicant] });
    await patch(c.id, { parties: [{ role: 'agent', name: 'Arnold Agent' }] });
    const [row] = await t.db('audit_log').where({ action: 'case.update', entity_id: String(c.id) });
    expect(row.before.parties.map((p: { role: string }) => p.role)).toEqual(['applicant']);
    expect(row.after.parties.map((p: { role: string }) => p.role)).toEqual(['applicant', 'agent']);
  });
});
