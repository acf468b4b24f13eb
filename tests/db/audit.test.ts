/**
 * The audit trail: every change to a case, a site, a user or a token writes one audit_log row (who, what, which
 * entity, before and after) in the same transaction as the change; refused changes write none; the database
 * itself refuses to change or remove audit rows, and keeps case_site rows as history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { caseEtag, userEtag } from '../helpers/if-match.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.closeApp();
});

interface AuditRow {
  id: number;
  at: Date;
  actor_id: number | null;
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  request_id: string | null;
}

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
let seq = 0;
const application = (over: Record<string, unknown> = {}) => ({
  kind: 'application',
  applicationType: 'full',
  description: 'New shopfront',
  receivedDate: '2024-02-01',
  reference: `AUD/${++seq}`,
  ...over,
});

const rowsFor = (entityType: string, entityId: number | string): Promise<AuditRow[]> =>
  t
    .db('audit_log')
    .where({ entity_type: entityType, entity_id: String(entityId) })
    .orderBy('id');
const lastRow = async (): Promise<AuditRow> => (await t.db('audit_log').orderBy('id', 'desc').first()) as AuditRow;
const auditCount = async () => Number((await t.db('audit_log').count({ n: '*' }))[0]!.n);

describe('changes to a case', () => {
  it('writes case.create with the actor, the new case (with its parties) and the request id', async () => {
    const before = await auditCount();
    const res = await t
      .as('officer')
      .post('/api/cases')
      .set('X-Request-Id', 'req-create-1')
      .send(application({ parties: [{ role: 'applicant', name: 'Ada Applicant' }] }))
      .expect(201);
    expect(await auditCount()).toBe(before + 1);
    const [row] = await rowsFor('case', res.body.id);
    expect(row).toMatchObject({
      actor_id: t.users.officer.id,
      actor: 'officer.user',
      action: 'case.create',
      entity_type: 'case',
      entity_id: String(res.body.id),
      before: null,
      request_id: 'req-create-1',
    });
    expect(row!.after).toMatchObject({
      id: res.body.id,
      reference: res.body.reference,
      status: 'received',
      version: 1,
      parties: [{ role: 'applicant', name: 'Ada Applicant' }],
    });
  });

  it('writes case.update with before.status and after.status (and the versions)', async () => {
    const c = await t.as('officer').post('/api/cases').send(application()).expect(201);
    const res = await t
      .as('support')
      .patch(`/api/cases/${c.body.id}`)
      .set('If-Match', '"v1"')
      .send({ status: 'valid', validDate: '2024-02-02' })
      .expect(200);
    const rows = await rowsFor('case', c.body.id);
    expect(rows.map((r) => r.action)).toEqual(['case.create', 'case.update']);
    const upd = rows[1]!;
    expect(upd).toMatchObject({
      actor_id: t.users.support.id,
      actor: 'support.user',
      request_id: res.headers['x-request-id'],
    });
    expect(upd.before).toMatchObject({ status: 'received', validDate: null, version: 1 });
    expect(upd.after).toMatchObject({ status: 'valid', validDate: '2024-02-02', version: 2 });
  });

  it('records the parties before and after when a change removes one and adds another', async () => {
    const c = await t
      .as('officer')
      .post('/api/cases')
      .send(application({ parties: [{ role: 'agent', name: 'Old Agent' }] }))
      .expect(201);
    const [old] = (await t.as('officer').get(`/api/cases/${c.body.id}`).expect(200)).body.parties;
    await t
      .as('officer')
      .patch(`/api/cases/${c.body.id}`)
      .send({
        version: 1,
        parties: [
          { id: old.id, remove: true },
          { role: 'agent', name: 'New Agent' },
        ],
      })
      .expect(200);
    const upd = (await rowsFor('case', c.body.id)).at(-1)!;
    expect((upd.before!.parties as Array<{ name: string }>).map((p) => p.name)).toEqual(['Old Agent']);
    expect((upd.after!.parties as Array<{ name: string }>).map((p) => p.name)).toEqual(['New Agent']);
  });

  it('writes nothing for a change that is refused', async () => {
    const c = await t.as('officer').post('/api/cases').send(application()).expect(201);
    const before = await auditCount();
    await t
      .as('officer')
      .patch(`/api/cases/${c.body.id}`)
      .set('If-Match', '"v9"')
      .send({ status: 'valid' })
      .expect(412);
    await t.as('officer').patch(`/api/cases/${c.body.id}`).send({ status: 'valid' }).expect(428);
    await t.as('officer').patch(`/api/cases/${c.body.id}`).send({ version: 1, validDate: '2024-01-01' }).expect(400);
    await t.as('gis').patch(`/api/cases/${c.body.id}`).send({ version: 1, status: 'valid' }).expect(403);
    await t.as('enforcement').patch(`/api/cases/${c.body.id}`).send({ version: 1, status: 'valid' }).expect(403);
    await t
      .as('officer')
      .post('/api/cases')
      .send(application({ reference: c.body.reference }))
      .expect(409);
    await t
      .as('officer')
      .post('/api/cases')
      .send(application({ applicationType: 'nope' }))
      .expect(422);
    expect(await auditCount()).toBe(before);
  });
});

describe('changes to a site', () => {
  it('writes case.site.set for each boundary, the second naming the one it replaced', async () => {
    const c = await t.as('officer').post('/api/cases').send(application()).expect(201);
    const first = await t
      .as('officer')
      .put(`/api/cases/${c.body.id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, c.body.id))
      .send({ geometry: square(533000, 179000, 100) })
      .expect(200);
    const second = await t
      .as('support')
      .put(`/api/cases/${c.body.id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, c.body.id))
      .send({ geometry: square(533000, 179000, 50), source: 'amended' })
      .expect(200);

    const [a] = await rowsFor('case_site', first.body.site.id);
    expect(a).toMatchObject({
      actor: 'officer.user',
      actor_id: t.users.officer.id,
      action: 'case.site.set',
      before: null,
    });
    expect(a!.after).toMatchObject({
      caseId: c.body.id,
      siteId: first.body.site.id,
      areaM2: 10000,
      source: 'drawn',
      inputCrs: 'EPSG:27700',
      repaired: false,
    });

    const [b] = await rowsFor('case_site', second.body.site.id);
    expect(b).toMatchObject({ actor: 'support.user', action: 'case.site.set' });
    expect(b!.before).toEqual({ caseId: c.body.id, siteId: first.body.site.id, areaM2: 10000, source: 'drawn' });
    expect(b!.after).toMatchObject({ caseId: c.body.id, siteId: second.body.site.id, areaM2: 2500, source: 'amended' });
  });

  it('writes no coordinates into the audit row', async () => {
    const c = await t.as('officer').post('/api/cases').send(application()).expect(201);
    const res = await t
      .as('officer')
      .put(`/api/cases/${c.body.id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, c.body.id))
      .send({ geometry: square(533017.25, 179023.75, 20) })
      .expect(200);
    const [row] = await rowsFor('case_site', res.body.site.id);
    expect(JSON.stringify(row)).not.toMatch(/533017|179023|coordinates/);
  });

  it('writes nothing for a refused boundary', async () => {
    const c = await t.as('officer').post('/api/cases').send(application()).expect(201);
    const before = await auditCount();
    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [533000, 179000],
          [533050, 179050],
          [533050, 179000],
          [533000, 179050],
          [533000, 179000],
        ],
      ],
    };
    await t
      .as('officer')
      .put(`/api/cases/${c.body.id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, c.body.id))
      .send({ geometry: bowtie })
      .expect(422);
    await t
      .as('officer')
      .put(`/api/cases/${c.body.id}/site?crs=EPSG:27700`)
      .set('If-Match', '"v7"')
      .send({ geometry: square(533000, 179000, 10) })
      .expect(412);
    expect(await auditCount()).toBe(before);
  });
});

describe('changes to users and tokens', () => {
  it('writes user.create without the password or its hash', async () => {
    const res = await t
      .as('admin')
      .post('/api/users')
      .send({ username: 'audited.user', role: 'officer', password: 'a-secret-password-1' })
      .expect(201);
    const [row] = await rowsFor('user', res.body.user.id);
    expect(row).toMatchObject({ actor: 'admin.user', actor_id: t.users.admin.id, action: 'user.create', before: null });
    expect(row!.after).toMatchObject({ username: 'audited.user', role: 'officer', disabled: false, hasPassword: true });
    expect(JSON.stringify(row)).not.toMatch(/a-secret-password-1|argon2/);
  });

  it('writes user.update with the account before and after (disabled, role), and never the new password', async () => {
    const res = await t.as('admin').post('/api/users').send({ username: 'changing.user', role: 'officer' }).expect(201);
    const id = res.body.user.id;
    await t
      .as('admin')
      .patch(`/api/users/${id}`)
      .set('If-Match', await userEtag(t, id))
      .send({ disabled: true, role: 'gis' })
      .expect(200);
    await t
      .as('admin')
      .patch(`/api/users/${id}`)
      .set('If-Match', await userEtag(t, id))
      .send({ password: 'another-secret-pw-2' })
      .expect(200);
    const rows = await rowsFor('user', id);
    expect(rows.map((r) => r.action)).toEqual(['user.create', 'user.update', 'user.update']);
    expect(rows[1]!.before).toMatchObject({ disabled: false, role: 'officer' });
    expect(rows[1]!.after).toMatchObject({ disabled: true, role: 'gis', passwordChanged: false });
    expect(rows[2]!.after).toMatchObject({ passwordChanged: true });
    expect(JSON.stringify(rows)).not.toMatch(/another-secret-pw-2|argon2/);
    expect(JSON.stringify(rows)).not.toContain(res.body.password);
  });

  it('writes token.create and token.revoke without the token itself', async () => {
    const created = await t.as('admin').post(`/api/users/${t.users.gis.id}/tokens`).send({ name: 'QGIS' }).expect(201);
    await t.as('admin').delete(`/api/tokens/${created.body.id}`).expect(204);
    const rows = await rowsFor('api_token', created.body.id);
    expect(rows.map((r) => r.action)).toEqual(['token.create', 'token.revoke']);
    expect(rows[0]!.after).toEqual({ userId: t.users.gis.id, name: 'QGIS' });
    expect(rows.every((r) => r.actor === 'admin.user')).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(created.body.token);
  });

  it('writes nothing when a user change is refused', async () => {
    const before = await auditCount();
    await t.as('admin').post('/api/users').send({ username: 'admin.user', role: 'gis' }).expect(409);
    await t.as('admin').patch('/api/users/999999').send({ disabled: true }).expect(404);
    await t
      .as('officer')
      .patch(`/api/users/${t.users.gis.id}`)
      .set('If-Match', await userEtag(t, t.users.gis.id))
      .send({ disabled: true })
      .expect(403);
    expect(await auditCount()).toBe(before);
  });
});

describe('reading the audit log', () => {
  it('lists rows newest first to an admin, filtered by entity', async () => {
    const c = await t.as('officer').post('/api/cases').send(application()).expect(201);
    await t.as('officer').patch(`/api/cases/${c.body.id}`).send({ version: 1, status: 'valid' }).expect(200);
    const res = await t.as('admin').get(`/api/audit?entityType=case&entityId=${c.body.id}`).expect(200);
    expect(res.body.items.map((i: { action: string }) => i.action)).toEqual(['case.update', 'case.create']);
    expect(res.body.items[0]).toMatchObject({
      actor: 'officer.user',
      entityType: 'case',
      entityId: String(c.body.id),
      before: { status: 'received' },
      after: { status: 'valid' },
    });
  });
});

describe('the database keeps audit_log append-only', () => {
  it('refuses UPDATE of audit rows and leaves them as they were', async () => {
    const row = await lastRow();
    await expect(t.db.raw('UPDATE audit_log SET actor = ? WHERE id = ?', ['someone.else', row.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(t.db('audit_log').update({ after: null })).rejects.toThrow(/append-only/);
    expect(await t.db('audit_log').where({ id: row.id }).first()).toEqual(row);
  });

  it('refuses DELETE of audit rows', async () => {
    const before = await auditCount();
    const row = await lastRow();
    await expect(t.db.raw('DELETE FROM audit_log WHERE id = ?', [row.id])).rejects.toThrow(/append-only/);
    await expect(t.db.raw('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    expect(await auditCount()).toBe(before);
  });

  it('refuses TRUNCATE of audit_log', async () => {
    const before = await auditCount();
    expect(before).toBeGreaterThan(0);
    await expect(t.db.raw('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect(await auditCount()).toBe(before);
  });

  it('still accepts new rows', async () => {
    const before = await auditCount();
    await t.db('audit_log').insert({ actor: 'test', action: 'test.append', entity_type: 'case', entity_id: '0' });
    expect(await auditCount()).toBe(before + 1);
  });
});

describe('the database keeps case_site rows as history', () => {
  let caseId: number;
  let oldSite: number;
  let currentSite: number;
  beforeAll(async () => {
    const c = await t.as('officer').post('/api/cases').send(application()).expect(201);
    caseId = c.body.id;
    oldSite = (
      await t
        .as('officer')
        .put(`/api/cases/${caseId}/site?crs=EPSG:27700`)
        .set('If-Match', await caseEtag(t, caseId))
        .send({ geometry: square(533200, 179200, 40) })
        .expect(200)
    ).body.site.id;
    currentSite = (
      await t
        .as('officer')
        .put(`/api/cases/${caseId}/site?crs=EPSG:27700`)
        .set('If-Match', await caseEtag(t, caseId))
        .send({ geometry: square(533200, 179200, 60) })
        .expect(200)
    ).body.site.id;
  });
  const snapshot = () =>
    t.db('case_site').where({ case_id: caseId }).orderBy('id').select('*', t.db.raw('ST_AsText(geom) AS wkt'));

  it('refuses to delete a site row, current or superseded', async () => {
    const before = await snapshot();
    await expect(t.db.raw('DELETE FROM case_site WHERE id = ?', [oldSite])).rejects.toThrow(
      /case_site rows are history/,
    );
    await expect(t.db.raw('DELETE FROM case_site WHERE id = ?', [currentSite])).rejects.toThrow(
      /case_site rows are history/,
    );
    expect(await snapshot()).toEqual(before);
  });

  it('refuses to change the geometry of a site row', async () => {
    const before = await snapshot();
    for (const id of [oldSite, currentSite]) {
      await expect(
        t.db.raw(
          `UPDATE case_site SET geom = ST_Multi(ST_GeomFromText('POLYGON((533200 179200,533201 179200,533201 179201,533200 179200))', 27700)) WHERE id = ?`,
          [id],
        ),
      ).rejects.toThrow(/case_site rows are history/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses to move a site row to another case or change who set it', async () => {
    const other = await t.as('officer').post('/api/cases').send(application()).expect(201);
    await expect(t.db.raw('UPDATE case_site SET case_id = ? WHERE id = ?', [other.body.id, oldSite])).rejects.toThrow(
      /case_site rows are history/,
    );
    await expect(t.db.raw('UPDATE case_site SET set_by = ? WHERE id = ?', [t.users.admin.id, oldSite])).rejects.toThrow(
      /case_site rows are history/,
    );
  });

  it('refuses to change its recorded area, source, input CRS, repair report or note', async () => {
    for (const [col, value] of [
      ['area_m2', 1],
      ['source', 'amended'],
      ['input_crs', 'CRS84'],
      ['repair', '{}'],
      ['note', 'rewritten'],
    ] as const) {
      await expect(t.db.raw(`UPDATE case_site SET ${col} = ? WHERE id = ?`, [value, oldSite])).rejects.toThrow(
        /case_site rows are history/,
      );
    }
  });

  it('refuses TRUNCATE, which would wipe every boundary at once', async () => {
    await expect(t.db.raw('TRUNCATE case_site CASCADE')).rejects.toThrow(/case_site rows are history/);
    expect(Number((await t.db('case_site').count({ n: '*' }))[0]!.n)).toBeGreaterThanOrEqual(2);
  });

  it('refuses to un-supersede or re-supersede a superseded row', async () => {
    await expect(t.db.raw('UPDATE case_site SET superseded_at = NULL WHERE id = ?', [oldSite])).rejects.toThrow(
      /case_site rows are history/,
    );
    await expect(t.db.raw('UPDATE case_site SET superseded_at = now() WHERE id = ?', [oldSite])).rejects.toThrow(
      /case_site rows are history/,
    );
  });

  it('allows marking the current row superseded, once', async () => {
    // in a transaction that is rolled back, so the case keeps its current site
    const trx = await t.db.transaction();
    try {
      await trx.raw('UPDATE case_site SET superseded_at = clock_timestamp() WHERE id = ?', [currentSite]);
      expect((await trx('case_site').where({ id: currentSite }).first()).superseded_at).not.toBeNull();
      await trx.raw('SAVEPOINT again');
      await expect(
        trx.raw('UPDATE case_site SET superseded_at = clock_timestamp() WHERE id = ?', [currentSite]),
      ).rejects.toThrow(/case_site rows are history/);
      await trx.raw('ROLLBACK TO SAVEPOINT again');
    } finally {
      await trx.rollback();
    }
    expect((await t.db('case_site').where({ id: currentSite }).first()).superseded_at).toBeNull();
  });
});
