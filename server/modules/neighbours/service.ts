/** Neighbour notification: who gets a letter and every reason why; ad hoc previews and stored, audited runs on a
 *  case, with what changed since the previous run; recipients as mail-merge CSV and GeoJSON. */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.ts';
import { sqlQuery } from '../../db/queries.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { currentSiteForWork } from '../cases/repo.ts';
import { intakeSite, type IntakeOptions } from '../geometry/intake.ts';

const Uprn = z.number().int().positive().max(999_999_999_999);
export const SelectionParams = z
  .object({
    adjoining: z
      .union([z.boolean(), z.object({ toleranceM: z.number().min(0).max(20).default(1) }).strict()])
      .optional(),
    radiusM: z
      .number()
      .positive('must be more than 0 m')
      .max(1000, 'at most 1000 m: for more, draw the area (polygon)')
      .optional(),
    polygon: z.unknown().optional(),
    crs: z.string().max(100).optional(),
    add: z
      .array(z.object({ uprn: Uprn, reason: z.string().trim().min(3).max(500) }).strict())
      .max(5000)
      .default([]),
    remove: z
      .array(z.object({ uprn: Uprn, reason: z.string().trim().min(3).max(500) }).strict())
      .max(5000)
      .default([]),
  })
  .strict()
  .refine((p) => p.adjoining || p.radiusM !== undefined || p.polygon !== undefined || p.add.length > 0, {
    message: 'choose at least one way to select neighbours: adjoining, radiusM, polygon or add',
  });
export type SelectionParams = z.infer<typeof SelectionParams>;

type Mode = 'adjoining' | 'radius' | 'polygon' | 'manual';

/** A row of sql/queries/neighbour_selection.sql: the data versions (first), or one reason an address was chosen. */
interface SelectionRow {
  uprn: number | null;
  parent_uprn: number | null;
  address_lines: string[];
  postcode: string | null;
  classification: string | null;
  x: number;
  y: number;
  distance_m: number;
  mode: Mode | 'same-building';
  property_id: number | null;
  reason_distance_m: number | null;
  address_version: number | null;
  property_version: number | null;
}

export interface Recipient {
  number: number;
  uprn: number;
  parentUprn: number | null;
  addressLines: string[];
  postcode: string | null;
  distanceM: number;
  reasons: Array<{ mode: string; detail: string; distanceM: number }>;
  x: number;
  y: number;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

function describeReason(
  mode: SelectionRow['mode'],
  distanceM: number,
  uprn: number,
  viaUprn: number | null,
  params: SelectionParams,
  tol: number,
): string {
  switch (mode) {
    case 'adjoining':
      return `in a property whose outline is ${distanceM} m from the red line (adjoining within ${tol} m)`;
    case 'radius':
      return `${distanceM} m from the red line, within the ${params.radiusM} m radius`;
    case 'polygon':
      return 'inside the area drawn by the officer';
    case 'manual':
      return `added by hand: ${params.add.find((a) => a.uprn === uprn)?.reason ?? ''}`;
    case 'same-building':
      return `in the same building as UPRN ${viaUprn}, which was selected`;
  }
}

export interface Selection {
  params: SelectionParams;
  recipients: Recipient[];
  excluded: Array<{ uprn: number; addressLines: string[]; because: string }>;
  unaddressed: Array<{ propertyId: number; reference: string; name: string | null; distanceM: number }>;
  notFound: number[];
  addressVersion: number;
  propertyVersion: number;
}

/** The statement with only the blocks of the modes asked for (see the header of neighbour_selection.sql). */
const MODE_BLOCK = /\/\*(adjoining|radius|polygon|manual)\*\/([\s\S]*?)\/\*end \1\*\//g;
const statements = new Map<string, string>();
function selectionSql(modes: Mode[]): string {
  const key = modes.join(',');
  let sql = statements.get(key);
  if (sql === undefined) {
    sql = sqlQuery('neighbour_selection').replace(MODE_BLOCK, (_block, mode: Mode, body: string) =>
      modes.includes(mode) ? body : '',
    );
    statements.set(key, sql);
  }
  return sql;
}

/**
 * Runs the selection as a named prepared statement on a connection of the pool (outside a transaction): PostgreSQL
 * then parses and plans it once per connection and mode combination, not on every call. (The plan does not depend on
 * the site: the red line is a materialised CTE, so the same plan serves every site and radius.)
 */
async function runSelection(db: Knex, sql: string, bindings: Record<string, unknown>): Promise<SelectionRow[]> {
  if (db.isTransaction) return (await db.raw<{ rows: SelectionRow[] }>(sql, bindings)).rows;
  const native = db.raw(sql, bindings).toSQL().toNative();
  const name = `redline_neighbours_${crypto.createHash('sha1').update(native.sql).digest('hex').slice(0, 16)}`;
  const conn = await db.client.acquireConnection();
  try {
    return (await conn.query({ name, text: native.sql, values: native.bindings })).rows as SelectionRow[];
  } finally {
    await db.client.releaseConnection(conn);
  }
}

function addressesNotLoaded(): AppError {
  return new AppError(
    'ADDRESSES_NOT_LOADED',
    'No address points are loaded, so Redline cannot say who to notify. Load them with npm run redline -- address:load.',
    {},
  );
}

export async function select(
  db: Knex,
  siteEwkb: string,
  params: SelectionParams,
  intake: IntakeOptions,
  siteUprns: number[] = [],
): Promise<Selection> {
  let polygon: string | null = null;
  if (params.polygon !== undefined) {
    // without addresses there is nothing to say about the drawn area either: say that first
    const loaded = await db('reference_dataset').where({ id: 'address' }).first('data_version');
    if (!loaded?.data_version) throw addressesNotLoaded();
    polygon = (await intakeSite(db, params.polygon, { ...intake, crs: params.crs, crossBoundary: true })).ewkb;
  }
  const tol = typeof params.adjoining === 'object' ? params.adjoining.toleranceM : 1;
  const modes: Mode[] = [];
  if (params.adjoining) modes.push('adjoining');
  if (params.radiusM !== undefined) modes.push('radius');
  if (polygon !== null) modes.push('polygon');
  if (params.add.length) modes.push('manual');
  const rows = await runSelection(db, selectionSql(modes), {
    site: siteEwkb,
    toleranceM: tol,
    radiusM: params.radiusM ?? null,
    polygon,
    add: params.add.map((a) => a.uprn),
  });
  const head = rows[0];
  const addressVersion = head && head.uprn === null ? (head.address_version ?? 0) : 0;
  const propertyVersion = head && head.uprn === null ? (head.property_version ?? 0) : 0;
  if (addressVersion === 0) throw addressesNotLoaded();

  // the chosen addresses, and for each building (parent UPRN, or the address's own) the nearest chosen address in it
  // (by the distance its reason is about, then UPRN): the one the building's other addresses came through
  const chosen = new Set<number>();
  const via = new Map<number, { uprn: number; d: number }>();
  for (const r of rows) {
    if (r.uprn === null || r.mode === 'same-building') continue;
    chosen.add(r.uprn);
    const key = r.parent_uprn ?? r.uprn;
    const d = r.reason_distance_m ?? r.distance_m;
    const best = via.get(key);
    if (!best || d < best.d || (d === best.d && r.uprn < best.uprn)) via.set(key, { uprn: r.uprn, d });
  }
  // one entry per address, in the statement's order (nearest first); a parent shell (AddressBase class PP: the
  // building, not a delivery point) leads to its flats but gets no letter
  const entries = new Map<number, SelectionRow[]>();
  for (const r of rows) {
    if (r.uprn === null || r.classification === 'PP' || (r.mode === 'same-building' && chosen.has(r.uprn))) continue;
    const list = entries.get(r.uprn);
    if (list) list.push(r);
    else entries.set(r.uprn, [r]);
  }
  const site = new Set(siteUprns);
  const removed = new Map(params.remove.map((x) => [x.uprn, x.reason]));
  const recipients: Recipient[] = [];
  const excluded: Selection['excluded'] = [];
  for (const [uprn, reasonRows] of entries) {
    const r = reasonRows[0]!;
    // the site's own: the case's UPRNs, and address points inside or on the red line
    if (r.distance_m === 0 || site.has(uprn)) {
      excluded.push({
        uprn,
        addressLines: r.address_lines,
        because: "the site's own address (the applicant is told separately)",
      });
      continue;
    }
    if (removed.has(uprn)) {
      excluded.push({ uprn, addressLines: r.address_lines, because: `removed by hand: ${removed.get(uprn) ?? ''}` });
      continue;
    }
    recipients.push({
      number: recipients.length + 1,
      uprn,
      parentUprn: r.parent_uprn,
      addressLines: r.address_lines,
      postcode: r.postcode,
      distanceM: round2(r.distance_m),
      reasons: reasonRows
        .map((x) => {
          const distanceM = round2(x.reason_distance_m ?? x.distance_m);
          const viaUprn = x.mode === 'same-building' ? (via.get(x.parent_uprn ?? uprn)?.uprn ?? null) : null;
          return { mode: x.mode, detail: describeReason(x.mode, distanceM, uprn, viaUprn, params, tol), distanceM };
        })
        .sort((a, b) => a.mode.localeCompare(b.mode)),
      x: r.x,
      y: r.y,
    });
  }
  const notFound = params.add.map((a) => a.uprn).filter((u) => !entries.has(u));
  const unaddressed = params.adjoining
    ? ((
        await db.raw(
          `SELECT p.id AS "propertyId", p.source_ref AS reference, p.name, round(ST_Distance(p.geom, s.g)::numeric, 2)::float8 AS "distanceM"
         FROM property p, (SELECT ST_GeomFromEWKB(decode(?, 'hex')) AS g) s
         WHERE ST_DWithin(p.geom, s.g, ?) AND NOT ST_Intersects(p.geom, ST_PointOnSurface(s.g))
           AND NOT EXISTS (SELECT 1 FROM address a WHERE ST_Intersects(p.geom, a.geom))
         ORDER BY 4, p.id`,
          [siteEwkb, tol],
        )
      ).rows as Selection['unaddressed'])
    : [];
  return { params, recipients, excluded, unaddressed, notFound, addressVersion, propertyVersion };
}

export async function createRun(
  db: Knex,
  authorityId: number,
  caseId: number,
  params: SelectionParams,
  intake: IntakeOptions,
  actor: Actor,
  requestId?: string,
) {
  const site = await currentSiteForWork(db, authorityId, caseId, 'selecting neighbours');
  const selection = await select(db, site.ewkb, params, intake, site.uprns ?? []);
  const runId = await db.transaction(async (trx) => {
    const previous = await trx('notification_run').where({ case_id: caseId }).orderBy('id', 'desc').first('id');
    const [row] = await trx('notification_run')
      .insert({
        case_id: caseId,
        site_id: site.id,
        site_geom: trx.raw("ST_GeomFromEWKB(decode(?, 'hex'))", [site.ewkb]),
        params: JSON.stringify(params),
        address_version: selection.addressVersion,
        property_version: selection.propertyVersion,
        recipient_count: selection.recipients.length,
        unaddressed: JSON.stringify(selection.unaddressed),
        previous_id: previous?.id ?? null,
        created_by: actor.id,
      })
      .returning('id');
    for (let i = 0; i < selection.recipients.length; i += 1000) {
      await trx('recipient').insert(
        selection.recipients.slice(i, i + 1000).map((r) => ({
          run_id: row.id,
          number: r.number,
          uprn: r.uprn,
          parent_uprn: r.parentUprn,
          address_lines: r.addressLines,
          postcode: r.postcode,
          reasons: JSON.stringify(r.reasons),
          distance_m: r.distanceM,
          geom: trx.raw('ST_SetSRID(ST_MakePoint(?, ?), 27700)', [r.x, r.y]),
        })),
      );
    }
    await writeAudit(trx, {
      actor,
      action: 'notification-run.create',
      entityType: 'notification_run',
      entityId: row.id,
      requestId,
      after: {
        caseId,
        siteId: site.id,
        recipients: selection.recipients.length,
        excluded: selection.excluded.length,
        params: { ...params, polygon: params.polygon ? '[drawn area]' : undefined },
        previousId: previous?.id ?? null,
      },
    });
    return row.id as number;
  });
  // who was left out and why (the site's own addresses, removals) and additions that matched no address: said
  // when the run is made, so nobody is dropped silently
  return {
    ...(await getRun(db, authorityId, caseId, runId)),
    excluded: selection.excluded,
    notFound: selection.notFound,
  };
}

export async function getRun(db: Knex, authorityId: number, caseId: number, runId: number) {
  const run = await db('notification_run as r')
    .join('case_record as c', 'c.id', 'r.case_id')
    .leftJoin('app_user as u', 'u.id', 'r.created_by')
    .where({ 'r.id': runId, 'r.case_id': caseId, 'c.authority_id': authorityId })
    .first(
      'r.id',
      'r.case_id as caseId',
      'r.site_id as siteId',
      'r.params',
      'r.address_version as addressVersion',
      'r.property_version as propertyVersion',
      'r.recipient_count as recipientCount',
      'r.unaddressed',
      'r.previous_id as previousId',
      'u.username as createdBy',
      'r.created_at as createdAt',
    );
  if (!run) throw new AppError('RUN_NOT_FOUND', `Case ${caseId} has no notification run ${runId}.`, { caseId, runId });
  const recipients = await recipientsOf(db, runId);
  let changes = null;
  if (run.previousId) {
    const before = await recipientsOf(db, run.previousId);
    const was = new Map(before.map((r) => [r.uprn, r]));
    const now = new Set(recipients.map((r) => r.uprn));
    changes = {
      previousRunId: run.previousId,
      added: recipients
        .filter((r) => !was.has(r.uprn))
        .map((r) => ({ uprn: r.uprn, addressLines: r.addressLines, reasons: r.reasons })),
      dropped: before
        .filter((r) => !now.has(r.uprn))
        .map((r) => ({ uprn: r.uprn, addressLines: r.addressLines, reasons: r.reasons })),
    };
  }
  return { ...run, recipients, changes };
}

async function recipientsOf(db: Knex, runId: number): Promise<Recipient[]> {
  return db('recipient')
    .where({ run_id: runId })
    .orderBy('number')
    .select(
      'number',
      'uprn',
      'parent_uprn as parentUprn',
      'address_lines as addressLines',
      'postcode',
      'distance_m as distanceM',
      'reasons',
      db.raw('ST_X(geom) AS x'),
      db.raw('ST_Y(geom) AS y'),
    );
}

export async function listRuns(db: Knex, authorityId: number, caseId: number) {
  return db('notification_run as r')
    .join('case_record as c', 'c.id', 'r.case_id')
    .leftJoin('app_user as u', 'u.id', 'r.created_by')
    .where({ 'r.case_id': caseId, 'c.authority_id': authorityId })
    .orderBy('r.id', 'desc')
    .select(
      'r.id',
      'r.recipient_count as recipientCount',
      'r.previous_id as previousId',
      'u.username as createdBy',
      'r.created_at as createdAt',
    );
}

/** Mail-merge CSV: "The Occupier", then the address lines in Royal Mail order (premises, street, locality,
 *  POST TOWN), then the postcode; 3 to 7 lines. */
export function recipientsCsv(recipients: Recipient[]): string {
  const header = [
    'number',
    'uprn',
    'line_1',
    'line_2',
    'line_3',
    'line_4',
    'line_5',
    'line_6',
    'line_7',
    'reasons',
    'distance_m',
  ];
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s)
      ? `"${(/^[=+\-@]/.test(s) ? "'" : '') + s.replace(/"/g, '""')}"`
      : s;
  };
  const rows = recipients.map((r) => {
    const lines = addressBlock(r);
    return [
      r.number,
      r.uprn,
      ...Array.from({ length: 7 }, (_, i) => lines[i] ?? ''),
      r.reasons.map((x) => x.mode).join('; '),
      r.distanceM,
    ]
      .map(cell)
      .join(',');
  });
  return [header.join(','), ...rows].join('\r\n') + '\r\n';
}

export function addressBlock(r: Pick<Recipient, 'addressLines' | 'postcode'>): string[] {
  const body = [...r.addressLines];
  // at most 5 lines between "The Occupier" and the postcode: fold the first lines together rather than drop the
  // last one, which is the post town
  while (body.length > 5) body.splice(0, 2, `${body[0]}, ${body[1]}`);
  // Royal Mail: the post town in capitals on its own line
  if (body.length) body[body.length - 1] = body[body.length - 1]!.toUpperCase();
  return ['The Occupier', ...body, ...(r.postcode ? [r.postcode.toUpperCase()] : [])];
}

/** Recipients as GeoJSON points in CRS84 (transformed by PostGIS), numbered as in the list and on the map. */
export async function recipientsGeoJson(db: Knex, recipients: Recipient[]) {
  const { rows } = await db.raw<{ rows: Array<{ lon: number; lat: number }> }>(
    `SELECT ST_X(g) AS lon, ST_Y(g) AS lat FROM (
       SELECT ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 27700), 4326) AS g, n
       FROM unnest(?::float8[], ?::float8[]) WITH ORDINALITY AS t(x, y, n)) s ORDER BY n`,
    [recipients.map((r) => r.x), recipients.map((r) => r.y)],
  );
  const toLonLat = rows.map((r) => [Math.round(r.lon * 1e7) / 1e7, Math.round(r.lat * 1e7) / 1e7]);
  return {
    type: 'FeatureCollection',
    features: recipients.map((r, i) => ({
      type: 'Feature',
      id: r.uprn,
      properties: {
        number: r.number,
        uprn: r.uprn,
        address: addressBlock(r).slice(1).join(', '),
        reasons: r.reasons.map((x) => x.mode),
        distanceM: r.distanceM,
      },
      geometry: { type: 'Point', coordinates: toLonLat[i] },
    })),
  };
}
