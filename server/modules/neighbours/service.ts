/** Neighbour notification: who gets a letter and every reason why; ad hoc previews and stored, audited runs on a
 *  case, with what changed since the previous run; recipients as mail-merge CSV and GeoJSON. */
import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { currentSiteForWork } from '../cases/repo.ts';
import { intakeSite, type IntakeOptions } from '../geometry/intake.ts';
import * as repo from './repo.ts';
import type { Mode, RecipientRow, SelectionRow } from './repo.ts';

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
    // the other addresses on the property outline(s) the site is on (a terrace or block mapped as one outline); on
    // by default with adjoining
    sameBuilding: z.boolean().optional(),
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
  .refine(
    (p) => p.adjoining || p.sameBuilding || p.radiusM !== undefined || p.polygon !== undefined || p.add.length > 0,
    {
      message: 'choose at least one way to select neighbours: adjoining, sameBuilding, radiusM, polygon or add',
    },
  );
export type SelectionParams = z.infer<typeof SelectionParams>;

/** A recipient with the reasons it was chosen; x, y in EPSG:27700. Stored and read back as it is. */
export type Recipient = RecipientRow;

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
    case 'same-building-as-site':
      return "in the same building as the site: on the site's property outline, which holds several addresses";
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
  const polygon = await drawnArea(db, params, intake);
  const tol = typeof params.adjoining === 'object' ? params.adjoining.toleranceM : 1;
  const modes: Mode[] = [];
  if (params.adjoining) modes.push('adjoining');
  if (params.radiusM !== undefined) modes.push('radius');
  if (polygon !== null) modes.push('polygon');
  if (params.add.length) modes.push('manual');
  if (params.sameBuilding ?? (params.adjoining !== undefined && params.adjoining !== false)) modes.push('sameBuilding');
  const rows = await repo.runSelection(db, modes, {
    site: siteEwkb,
    toleranceM: tol,
    radiusM: params.radiusM ?? null,
    polygon,
    add: params.add.map((a) => a.uprn),
    siteUprns,
  });
  const head = rows[0];
  const addressVersion = head && head.uprn === null ? (head.address_version ?? 0) : 0;
  const propertyVersion = head && head.uprn === null ? (head.property_version ?? 0) : 0;
  if (addressVersion === 0) throw addressesNotLoaded();
  const entries = entriesOf(rows);
  const { recipients, excluded } = sortOut(entries, viaOf(rows), params, siteUprns, tol);
  const notFound = params.add.map((a) => a.uprn).filter((u) => !entries.has(u));
  const unaddressed = params.adjoining ? await repo.unaddressedOutlines(db, siteEwkb, tol) : [];
  return { params, recipients, excluded, unaddressed, notFound, addressVersion, propertyVersion };
}

/** The officer's drawn area through the geometry intake (hex EWKB), or null when none was drawn. */
async function drawnArea(db: Knex, params: SelectionParams, intake: IntakeOptions): Promise<string | null> {
  if (params.polygon === undefined) return null;
  // without addresses there is nothing to say about the drawn area either: say that first
  if (!(await repo.addressDataVersion(db))) throw addressesNotLoaded();
  return (await intakeSite(db, params.polygon, { ...intake, crs: params.crs, crossBoundary: true })).ewkb;
}

/** For each building (parent UPRN, or the address's own) the nearest chosen address in it (by the distance its
 *  reason is about, then UPRN): the one the building's other addresses came through. */
function viaOf(rows: SelectionRow[]): Map<number, { uprn: number; d: number }> {
  const via = new Map<number, { uprn: number; d: number }>();
  for (const r of rows) {
    if (r.uprn === null || r.mode === 'same-building') continue;
    const key = r.parent_uprn ?? r.uprn;
    const d = r.reason_distance_m ?? r.distance_m;
    const best = via.get(key);
    if (!best || d < best.d || (d === best.d && r.uprn < best.uprn)) via.set(key, { uprn: r.uprn, d });
  }
  return via;
}

/** One entry per address, in the statement's order (nearest first), with every row that chose it; a parent shell
 *  (AddressBase class PP: the building, not a delivery point) leads to its flats but gets no letter. */
function entriesOf(rows: SelectionRow[]): Map<number, SelectionRow[]> {
  const chosen = new Set<number>();
  for (const r of rows) if (r.uprn !== null && r.mode !== 'same-building') chosen.add(r.uprn);
  const entries = new Map<number, SelectionRow[]>();
  for (const r of rows) {
    if (r.uprn === null || r.classification === 'PP' || (r.mode === 'same-building' && chosen.has(r.uprn))) continue;
    const list = entries.get(r.uprn);
    if (list) list.push(r);
    else entries.set(r.uprn, [r]);
  }
  return entries;
}

/** The recipients, numbered, and the addresses left out and why: the site's own and those removed by hand. */
function sortOut(
  entries: Map<number, SelectionRow[]>,
  via: Map<number, { uprn: number; d: number }>,
  params: SelectionParams,
  siteUprns: number[],
  tol: number,
): Pick<Selection, 'recipients' | 'excluded'> {
  const site = new Set(siteUprns);
  const removed = new Map(params.remove.map((x) => [x.uprn, x.reason]));
  const recipients: Recipient[] = [];
  const excluded: Selection['excluded'] = [];
  for (const [uprn, reasonRows] of entries) {
    const r = reasonRows[0]!;
    // the site's own: the case's UPRNs, and address points inside or on the red line, each judged by itself: not a
    // point on an outline of several addresses that holds one of the case's UPRNs (the other houses of a terrace
    // mapped as one outline), nor one whose every address is inside the red line and none the case's (Redline
    // cannot tell which is the site's own: better a letter to the site than none to a neighbour)
    const shared = reasonRows.some((x) => x.site_outline === 'named' || x.site_outline === 'unnamed');
    if ((r.distance_m === 0 && !shared) || site.has(uprn)) {
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
          const unsure =
            x.mode === 'same-building-as-site' && x.site_outline === 'unnamed'
              ? " (the red line covers every address on it and the case names none of them, so Redline cannot tell which is the site's own: give the case its UPRNs)"
              : '';
          const detail = describeReason(x.mode, distanceM, uprn, viaUprn, params, tol) + unsure;
          return { mode: x.mode, detail, distanceM };
        })
        .sort((a, b) => a.mode.localeCompare(b.mode)),
      x: r.x,
      y: r.y,
    });
  }
  return { recipients, excluded };
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
  // an enforcement case located at a point, with no site polygon: nothing adjoins a point
  if (site.id === null && params.adjoining)
    throw new AppError(
      'VALIDATION_FAILED',
      `body.adjoining: case ${caseId} is located at a point and has no site boundary, so no property adjoins it. Select by radius (radiusM, measured from the point), a drawn polygon or by address (add), with "adjoining": false; or plot the site boundary first (PUT /api/cases/${caseId}/site).`,
      { issues: [{ path: 'body.adjoining', message: 'needs a site boundary; the case has only a point' }] },
    );
  const selection = await select(db, site.ewkb, params, intake, site.uprns ?? []);
  const runId = await db.transaction(async (trx) => {
    const previousId = await repo.latestRunId(trx, caseId);
    const id = await repo.insertRun(trx, {
      caseId,
      siteId: site.id,
      siteEwkb: site.ewkb,
      params,
      addressVersion: selection.addressVersion,
      propertyVersion: selection.propertyVersion,
      recipientCount: selection.recipients.length,
      unaddressed: selection.unaddressed,
      previousId,
      createdBy: actor.id,
    });
    await repo.insertRecipients(trx, id, selection.recipients);
    await writeAudit(trx, {
      actor,
      action: 'notification-run.create',
      entityType: 'notification_run',
      entityId: id,
      requestId,
      after: {
        caseId,
        siteId: site.id,
        recipients: selection.recipients.length,
        excluded: selection.excluded.length,
        params: { ...params, polygon: params.polygon ? '[drawn area]' : undefined },
        previousId,
      },
    });
    return id;
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
  const run = await repo.findRun(db, authorityId, caseId, runId);
  if (!run) throw new AppError('RUN_NOT_FOUND', `Case ${caseId} has no notification run ${runId}.`, { caseId, runId });
  const recipients: Recipient[] = await repo.listRecipients(db, runId);
  let changes = null;
  if (run.previousId) {
    const before = await repo.listRecipients(db, run.previousId);
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

export async function listRuns(db: Knex, authorityId: number, caseId: number) {
  return repo.listRuns(db, authorityId, caseId);
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
  const rows = await repo.toLonLat(
    db,
    recipients.map((r) => r.x),
    recipients.map((r) => r.y),
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
