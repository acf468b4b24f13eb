/** A case's publicity: what the law and the authority's SCI require (from the case, its site and its latest stored
 *  constraint check), the events recorded, the windows they open, the earliest decision date and the statutory
 *  determination date with agreed extensions. The rules are the pure functions of shared/domain/publicity/. */
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import {
  publicityFor,
  type CasePublicityInput,
  type ConstraintTrigger,
  type ListedGrade,
  type SciPolicy,
} from '../../../shared/domain/publicity/index.ts';
import type { ConstraintReport } from '../../../shared/domain/constraints.ts';
import { casePublicityRow, currentSiteSummary, findCase, type CasePublicityRow, type CaseRow } from '../cases/repo.ts';
import { hitDecisions, latestCheck, listSettingTriggers, type SettingTriggerRow } from '../constraints/repo.ts';
import { checkStaleness } from '../constraints/service.ts';
import { currentHolidayCalendar } from './holidays.ts';
import { getRun } from '../neighbours/service.ts';
import { insertEvent, listEvents, lockEvent, voidEvent, type EventFields, type PublicityEventRow } from './repo.ts';

export const EVENT_KINDS = ['site-notice', 'neighbour-letters', 'press-advert', 'website', 'owner-notice'] as const;

function gradeOf(v: unknown): ListedGrade | null {
  const s = String(v ?? '')
    .replace(/\s+/g, '')
    .toUpperCase();
  if (s === 'I') return 'I';
  if (s === 'II*' || s === 'IISTAR' || s === 'II-STAR') return 'II*';
  if (s === 'II') return 'II';
  return null;
}

/** What officers decided on a stored check: hit decisions (by layer and feature id as checked) and the setting
 *  triggers they added; `notes` collects what the dismissals did, for the publicity's caveats. */
export interface OfficerJudgement {
  decisions: Array<{
    layerId: string;
    featureId: number | null;
    featureKey: string;
    decision: string;
    reason: string | null;
  }>;
  added: SettingTriggerRow[];
  notes: string[];
}

/** Publicity triggers from a stored constraint report: listed building setting (with grades) and conservation area.
 *  A fired hit an officer dismissed triggers nothing (a layer whose fired hits are all dismissed is no trigger, and
 *  a note says so); a setting trigger an officer added is a trigger. */
export function triggersFrom(
  report: ConstraintReport | null,
  siteAreaM2: number,
  newBuildingOrExtension: boolean,
  officer?: OfficerJudgement,
): ConstraintTrigger[] {
  if (!report) return [];
  const out: ConstraintTrigger[] = [];
  const dismissed = new Map(
    (officer?.decisions ?? [])
      .filter((d) => d.decision === 'dismissed')
      .map((d) => [`${d.layerId}\u0000${d.featureId}`, d] as const),
  );
  for (const l of report.layers) {
    if (l.status !== 'constraint' || !l.publicity) continue;
    const fired = l.hits.filter((h) => h.fired && !dismissed.has(`${l.layerId}\u0000${h.featureId}`));
    if (!fired.length && l.hits.some((h) => h.fired)) {
      const which = l.hits
        .filter((h) => h.fired)
        .map((h) => {
          const d = dismissed.get(`${l.layerId}\u0000${h.featureId}`)!;
          return `'${h.name ?? h.reference ?? d.featureKey}' (${d.reason ?? 'no reason given'})`;
        });
      officer?.notes.push(
        `${l.title}: the officer dismissed ${which.join(', ')}, so it does not trigger reg 5A publicity.${l.caveats.length ? ` Note: ${l.caveats.join(' ')}` : ''}`,
      );
      continue;
    }
    if (l.publicity === 'listed-building-setting') {
      const grades = [
        ...new Set(
          fired
            .map((h) => gradeOf(h.keyFields.find((k) => k.field === 'listed-building-grade')?.value))
            .filter((g): g is ListedGrade => g !== null),
        ),
      ];
      out.push({ trigger: 'listed-building-setting', grades, layerId: l.layerId, because: l.sentence });
    } else {
      out.push({
        trigger: 'conservation-area',
        siteAreaM2,
        newBuildingOrExtension,
        layerId: l.layerId,
        because: l.sentence,
      });
    }
  }
  for (const t of officer?.added ?? []) {
    const because = `Added by an officer (${t.createdBy ?? 'unknown'}): ${t.description}. Reason: ${t.reason}`;
    out.push(
      t.trigger === 'listed-building-setting'
        ? {
            trigger: t.trigger,
            grades: t.grade ? [t.grade] : [],
            ...(t.layerId ? { layerId: t.layerId } : {}),
            because,
          }
        : {
            trigger: t.trigger,
            siteAreaM2,
            newBuildingOrExtension,
            ...(t.layerId ? { layerId: t.layerId } : {}),
            because,
          },
    );
  }
  return out;
}

export async function casePublicity(db: Knex, authorityId: number, caseId: number) {
  const c = await casePublicityRow(db, authorityId, caseId);
  if (!c) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${caseId}.`, { id: caseId });
  if (c.kind !== 'application')
    return { applies: false, because: 'Publicity rules apply to planning applications, not enforcement cases.' };
  const site = await currentSiteSummary(db, caseId);
  const check = await latestCheck(db, caseId);
  const history = (await listEvents(db, caseId)).map(eventView);
  // only current, non-voided events count: a corrected event counts as its correction, a voided one not at all
  const events = history.filter((e) => e.status === 'current');
  const dev = (c.development ?? {}) as Record<string, unknown>;
  const siteAreaM2 = site?.areaM2 ?? 0;
  const officer: OfficerJudgement = {
    decisions: check ? await hitDecisions(db, check.id) : [],
    added: check ? await listSettingTriggers(db, check.id) : [],
    notes: [],
  };
  const triggers = triggersFrom(check?.result ?? null, siteAreaM2, Boolean(dev.newBuildingOrExtension), officer);
  const staleness = check
    ? await checkStaleness(db, caseId, { siteId: check.site_id, createdAt: check.created_at, layers: check.layers })
    : null;
  const result = publicityFor(
    caseInputOf(c, dev, site ? siteAreaM2 : undefined),
    triggers,
    events.map((e) => ({
      kind: e.kind,
      date: e.date,
      ...(e.eia !== null && e.eia !== undefined ? { eia: e.eia } : {}),
    })),
    (c.sci ?? null) as SciPolicy | null,
    { holidays: currentHolidayCalendar() },
  );
  const caveats: string[] = [];
  if (!site)
    caveats.push(
      'The case has no site yet: the site-area tests for major development and the constraint triggers cannot be applied.',
    );
  if (!check)
    caveats.push(
      'No constraint check is stored for this case yet: publicity for listed building settings and conservation areas cannot be derived. Run one (POST /api/cases/:id/constraint-checks).',
    );
  if (check && staleness?.stale)
    caveats.push(
      `The listed building setting and conservation area publicity rests on constraint check ${check.id}, which is out of date: ${staleness.staleBecause.map((b) => b.message).join(' ')} Until it is re-run (or a new check is made on the current site), these triggers may be wrong.`,
    );
  caveats.push(...officer.notes);
  return {
    applies: true,
    ...result,
    triggers,
    constraintCheckId: check?.id ?? null,
    constraintCheck: check
      ? { id: check.id, createdAt: check.created_at, stale: staleness!.stale, staleBecause: staleness!.staleBecause }
      : null,
    events,
    eventHistory: history,
    caveats,
  };
}

/** The case as the publicity rules take it: its type, what its development provides (`development`, as recorded),
 *  its site area when it has a site, its valid date and extensions of time. */
function caseInputOf(
  c: CasePublicityRow,
  dev: Record<string, unknown>,
  siteAreaM2: number | undefined,
): CasePublicityInput {
  return {
    applicationType: c.applicationType as string,
    ...(dev.dwellings !== undefined ? { dwellings: dev.dwellings as number | null } : {}),
    ...(siteAreaM2 !== undefined ? { siteAreaHa: siteAreaM2 / 10_000 } : {}),
    ...(typeof dev.floorspaceM2 === 'number' ? { floorspaceM2: dev.floorspaceM2 } : {}),
    ...(typeof dev.eia === 'boolean' ? { eia: dev.eia } : {}),
    ...(typeof dev.departure === 'boolean' ? { departure: dev.departure } : {}),
    ...(typeof dev.publicRightOfWay === 'boolean' ? { publicRightOfWay: dev.publicRightOfWay } : {}),
    ...(typeof dev.nearRailway === 'boolean' ? { nearRailway: dev.nearRailway } : {}),
    ...(typeof dev.publicServiceInfrastructure === 'boolean'
      ? { publicServiceInfrastructure: dev.publicServiceInfrastructure }
      : {}),
    ...(dev.listedBuildingConsent
      ? { listedBuildingConsent: dev.listedBuildingConsent as { grade: ListedGrade | null; interiorOnly: boolean } }
      : {}),
    validDate: c.validDate,
    extensionsOfTime: c.extensionsOfTime ?? [],
  };
}

export type EventKindName = (typeof EVENT_KINDS)[number];

/** What a request gives for an event besides its kind (the fields a kind does not take are refused). */
export interface EventInput {
  date: string;
  eia?: boolean | null;
  notes?: string | null;
  newspaper?: string;
  editionDate?: string;
  noticeCount?: number;
  places?: string[];
  letterCount?: number;
  runId?: number;
}

type KindField = 'newspaper' | 'editionDate' | 'noticeCount' | 'places' | 'letterCount' | 'runId';
const KIND_FIELDS: KindField[] = ['newspaper', 'editionDate', 'noticeCount', 'places', 'letterCount', 'runId'];

/** What the record of each kind of event needs: the fields it takes, and those it cannot be recorded without. */
export const EVENT_KIND_FIELDS: Record<
  EventKindName,
  { fields: KindField[]; required: Partial<Record<KindField, string>> }
> = {
  'press-advert': {
    fields: ['newspaper', 'editionDate'],
    required: { newspaper: 'a press advert records the newspaper it appeared in' },
  },
  'site-notice': {
    fields: ['noticeCount', 'places'],
    required: {
      noticeCount: 'a site notice records how many notices were posted',
      places:
        'a site notice records where the notices were posted: a list of places, e.g. ["lamp post outside no. 12"]',
    },
  },
  'neighbour-letters': {
    fields: ['letterCount', 'runId'],
    required: {
      letterCount:
        'neighbour letters record how many letters were sent (or give runId, the notification run they were sent to)',
    },
  },
  website: { fields: [], required: {} },
  'owner-notice': { fields: [], required: {} },
};

function fail(path: string, message: string): never {
  throw new AppError('VALIDATION_FAILED', `${path}: ${message}`, { issues: [{ path, message }] });
}

/** The case, when it is a planning application (publicity is recorded on those). */
async function applicationFor(db: Knex, authorityId: number, caseId: number) {
  const c = await findCase(db, authorityId, caseId);
  if (!c) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${caseId}.`, { id: caseId });
  if (c.kind !== 'application')
    throw new AppError('VALIDATION_FAILED', 'Publicity events are recorded on planning applications.', {
      issues: [{ path: 'case', message: 'not an application' }],
    });
  return c;
}

/** Checks an event's fields against its kind and the case and completes them (a press advert's edition is its date
 *  unless given; a neighbour run gives the letter count unless given). `where` prefixes the paths in errors. */
export async function resolveEventFields(
  db: Knex,
  authorityId: number,
  c: Pick<CaseRow, 'id' | 'receivedDate'>,
  kind: EventKindName,
  f: EventInput,
  where = 'body',
): Promise<EventFields> {
  const spec = EVENT_KIND_FIELDS[kind];
  for (const field of KIND_FIELDS) {
    if (f[field] === undefined || spec.fields.includes(field)) continue;
    const kinds = EVENT_KINDS.filter((k) => EVENT_KIND_FIELDS[k].fields.includes(field));
    fail(`${where}.${field}`, `applies to ${kinds.join(', ')} events only, not ${kind}`);
  }
  if (f.date < c.receivedDate)
    fail(`${where}.date`, `cannot be before the application was received (${c.receivedDate})`);
  if (f.editionDate !== undefined && f.editionDate < c.receivedDate)
    fail(`${where}.editionDate`, `cannot be before the application was received (${c.receivedDate})`);
  let letterCount = f.letterCount;
  if (f.runId !== undefined) {
    const run = await getRun(db, authorityId, c.id, f.runId);
    const n = run.recipients.length;
    letterCount ??= n;
    if (letterCount > n)
      fail(
        `${where}.letterCount`,
        `notification run ${run.id} has ${n} recipient${n === 1 ? '' : 's'}: no more letters than that were sent to it`,
      );
  }
  const given: Partial<Record<KindField, unknown>> = { ...f, letterCount };
  for (const [field, message] of Object.entries(spec.required) as Array<[KindField, string]>)
    if (given[field] === undefined) fail(`${where}.${field}`, message);
  if (f.places !== undefined && f.noticeCount !== undefined && f.places.length > f.noticeCount)
    fail(
      `${where}.places`,
      `lists ${f.places.length} places for ${f.noticeCount} notice${f.noticeCount === 1 ? '' : 's'}: give noticeCount as the number actually posted`,
    );
  return {
    date: f.date,
    eia: f.eia ?? null,
    notes: f.notes ?? null,
    newspaper: f.newspaper ?? null,
    editionDate: kind === 'press-advert' ? (f.editionDate ?? f.date) : null,
    noticeCount: f.noticeCount ?? null,
    places: f.places ?? null,
    letterCount: letterCount ?? null,
    runId: f.runId ?? null,
  };
}

export type PublicityEventView = PublicityEventRow & { status: 'current' | 'superseded' | 'voided' };

/** An event with its status: current, superseded (by the correction in supersededBy) or voided. */
export function eventView(r: PublicityEventRow): PublicityEventView {
  return { ...r, status: r.voidedAt ? 'voided' : r.supersededBy ? 'superseded' : 'current' };
}

/** Stores an event (new, a correction, or recorded with a document) and audits it, in the caller's transaction. */
export async function storeEvent(
  trx: Knex.Transaction,
  e: {
    caseId: number;
    kind: EventKindName;
    fields: EventFields;
    documentId?: number | null;
    supersedes?: PublicityEventRow;
    reason?: string;
  },
  actor: Actor,
  requestId?: string,
): Promise<PublicityEventView> {
  const row = await insertEvent(trx, {
    caseId: e.caseId,
    kind: e.kind,
    ...e.fields,
    documentId: e.documentId ?? null,
    supersedes: e.supersedes?.id ?? null,
    correctionReason: e.supersedes ? (e.reason ?? null) : null,
    createdBy: actor.id,
  });
  await writeAudit(trx, {
    actor,
    action: e.supersedes ? 'publicity-event.correct' : 'publicity-event.create',
    entityType: 'case',
    entityId: e.caseId,
    ...(e.supersedes ? { before: e.supersedes } : {}),
    after: row,
    requestId,
  });
  return eventView(row);
}

export async function recordEvent(
  db: Knex,
  authorityId: number,
  caseId: number,
  e: EventInput & { kind: EventKindName },
  actor: Actor,
  requestId?: string,
) {
  const c = await applicationFor(db, authorityId, caseId);
  const fields = await resolveEventFields(db, authorityId, c, e.kind, e);
  return db.transaction((trx) => storeEvent(trx, { caseId, kind: e.kind, fields }, actor, requestId));
}

/** The event, locked, when it may still be put right: neither corrected already nor voided. */
async function currentEvent(trx: Knex.Transaction, caseId: number, eventId: number) {
  const old = await lockEvent(trx, caseId, eventId);
  if (!old)
    throw new AppError('PUBLICITY_EVENT_NOT_FOUND', `Case ${caseId} has no publicity event ${eventId}.`, {
      caseId,
      id: eventId,
    });
  if (old.supersededBy)
    throw new AppError(
      'PUBLICITY_EVENT_SUPERSEDED',
      `Publicity event ${eventId} was corrected by event ${old.supersededBy}: put right the current version (${old.supersededBy}) instead.`,
      { id: eventId, supersededBy: old.supersededBy },
    );
  if (old.voidedAt)
    throw new AppError(
      'PUBLICITY_EVENT_VOIDED',
      `Publicity event ${eventId} was voided (${old.voidReason}): record the event again instead.`,
      { id: eventId, voidReason: old.voidReason },
    );
  return old;
}

export type EventCorrection = Partial<EventInput> & { reason: string };

/** Corrects an event: a new row superseding it, with the reason (the original is kept as it was). */
export async function correctEvent(
  db: Knex,
  authorityId: number,
  caseId: number,
  eventId: number,
  body: EventCorrection,
  actor: Actor,
  requestId?: string,
) {
  const c = await applicationFor(db, authorityId, caseId);
  const { reason, ...changes } = body;
  if (Object.keys(changes).length === 0)
    fail('body', 'give the corrected values (date, notes, or the fields of the kind) as well as the reason');
  return db.transaction(async (trx) => {
    const old = await currentEvent(trx, caseId, eventId);
    const merged: EventInput = { date: old.date };
    for (const k of ['eia', 'notes', ...KIND_FIELDS] as const) {
      const v = old[k];
      if (v !== null) Object.assign(merged, { [k]: v });
    }
    // a press advert's edition date followed its date unless it was given separately
    if (old.kind === 'press-advert' && old.editionDate === old.date && changes.date !== undefined)
      delete merged.editionDate;
    Object.assign(merged, changes);
    const fields = await resolveEventFields(trx, authorityId, c, old.kind, merged);
    const same = (Object.keys(fields) as Array<keyof EventFields>).every(
      (k) => JSON.stringify(fields[k]) === JSON.stringify(old[k]),
    );
    if (same) fail('body', `changes nothing: publicity event ${eventId} already records these values`);
    return storeEvent(
      trx,
      { caseId, kind: old.kind, fields, documentId: old.documentId, supersedes: old, reason },
      actor,
      requestId,
    );
  });
}

/** Voids an event, with the reason: it stays on the record, marked void, and no longer counts. */
export async function voidPublicityEvent(
  db: Knex,
  authorityId: number,
  caseId: number,
  eventId: number,
  reason: string,
  actor: Actor,
  requestId?: string,
) {
  await applicationFor(db, authorityId, caseId);
  return db.transaction(async (trx) => {
    const old = await currentEvent(trx, caseId, eventId);
    await voidEvent(trx, eventId, { voidedBy: actor.id, reason });
    const after = eventView((await lockEvent(trx, caseId, eventId))!);
    await writeAudit(trx, {
      actor,
      action: 'publicity-event.void',
      entityType: 'case',
      entityId: caseId,
      before: old,
      after,
      requestId,
    });
    return after;
  });
}
