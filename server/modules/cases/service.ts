/** Cases: register, read, list, update with optimistic concurrency, plot the site, planning history.
 *  Every change is one transaction with its audit_log row. */
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import type { Actor } from '../audit/audit.ts';
import { writeAudit } from '../audit/audit.ts';
import {
  APPLICATION_DECISIONS,
  APPLICATION_STATUSES,
  CASE_WRITERS,
  ENFORCEMENT_DECISIONS,
  ENFORCEMENT_STATUSES,
  PARTY_READERS,
  REFERENCE_PREFIX,
  formatReference,
  isApplicationType,
  type CaseKind,
  type Role,
} from '../../../shared/domain/cases.ts';
import { parseCrs, parsePointShape } from '../../../shared/domain/geometry-shape.ts';
import type { User } from '../users/service.ts';
import { intakeSite, type IntakeOptions } from '../geometry/intake.ts';
import * as repo from './repo.ts';
import { casePublicity } from '../publicity/service.ts';
import { publicationOf, refreshPublicDates } from '../register/service.ts';
import { Development, type CreateCaseInput, type PartyChangeInput, type UpdateCaseInput } from './schema.ts';
import { mergePatch, type Json } from '../../../shared/domain/merge-patch.ts';
import { decisionDateProblem, decisionFamily, decisionsFor } from '../../../shared/domain/decisions.ts';
import { todayInUk } from '../../../shared/domain/documents.ts';

export interface CaseService {
  db: Knex;
  authorityId: number;
  intake: Omit<IntakeOptions, 'crs' | 'repair' | 'crossBoundary'>;
}

const round = (v: number, dp: number) => Math.round(v * 10 ** dp) / 10 ** dp;

function assertCanWrite(user: User, kind: CaseKind) {
  if (!CASE_WRITERS[kind].includes(user.role)) {
    throw new AppError(
      'FORBIDDEN',
      `Only ${CASE_WRITERS[kind].join(', ')} may change ${kind} cases; you are signed in as ${user.role}.`,
      {
        required: CASE_WRITERS[kind],
        role: user.role,
      },
    );
  }
}

const actorOf = (u: User): Actor => ({ id: u.id, username: u.username });

/** The target date that applies: the latest agreed extension of time, else the statutory target. */
export function effectiveTargetDate(row: Pick<repo.CaseRow, 'targetDate' | 'extensionsOfTime'>): string | null {
  const ext = [...row.extensionsOfTime].sort((a, b) => a.agreedOn.localeCompare(b.agreedOn)).at(-1);
  return ext ? ext.newTargetDate : row.targetDate;
}

function siteView(s: repo.SiteRow) {
  return {
    id: s.id,
    areaM2: round(s.areaM2, 2),
    areaHa: round(s.areaM2 / 10_000, 4),
    source: s.source,
    inputCrs: s.inputCrs,
    repair: s.repair ?? null,
    note: s.note,
    setAt: s.setAt,
    setBy: s.setBy,
    supersededAt: s.supersededAt,
    geometry: JSON.parse(s.geometry),
  };
}

function caseView(row: repo.CaseRow) {
  return {
    id: row.id,
    reference: row.reference,
    kind: row.kind,
    applicationType: row.applicationType,
    development: row.development,
    breachType: row.breachType,
    description: row.description,
    siteAddress: row.siteAddress,
    uprns: row.uprns,
    status: row.status,
    receivedDate: row.receivedDate,
    validDate: row.validDate,
    targetDate: row.targetDate,
    extensionsOfTime: row.extensionsOfTime,
    effectiveTargetDate: effectiveTargetDate(row),
    decision: row.decision,
    decisionDate: row.decisionDate,
    decisionOverrideReason: row.decisionOverrideReason,
    siteVisits: row.siteVisits,
    noticesServed: row.noticesServed,
    ...(row.kind === 'application' ? { decisionMaker: row.decisionMaker, ppa: row.ppa, appeals: row.appeals } : {}),
    officer: row.officerId ? { username: row.officerUsername, displayName: row.officerName } : null,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
export type CaseView = ReturnType<typeof caseView>;

async function officerId(
  db: Knex | Knex.Transaction,
  username: string | null | undefined,
): Promise<number | null | undefined> {
  if (username === undefined) return undefined;
  if (username === null) return null;
  const id = await repo.findUserIdByUsername(db, username);
  if (!id)
    throw new AppError('UNKNOWN_OFFICER', `There is no user "${username}" to assign as officer.`, {
      officer: username,
    });
  return id;
}

function checkKindFields(
  kind: CaseKind,
  f: { applicationType?: string | null; breachType?: string | null; status?: string; decision?: string | null },
) {
  if (kind === 'application') {
    if (f.applicationType !== undefined && f.applicationType !== null && !isApplicationType(f.applicationType)) {
      throw new AppError(
        'UNKNOWN_APPLICATION_TYPE',
        `"${f.applicationType}" is not an application type of the planning.data.gov.uk code list (GET /api/codelists/application-types).`,
        {
          applicationType: f.applicationType,
        },
      );
    }
    if (f.breachType !== undefined) throw validation('breachType', 'applies to enforcement cases only');
  } else if (f.applicationType !== undefined) {
    throw validation('applicationType', 'applies to planning applications only');
  }
  const statuses: readonly string[] = kind === 'application' ? APPLICATION_STATUSES : ENFORCEMENT_STATUSES;
  if (f.status !== undefined && !statuses.includes(f.status))
    throw validation('status', `must be one of ${statuses.join(', ')}`);
  const decisions: readonly string[] = kind === 'application' ? APPLICATION_DECISIONS : ENFORCEMENT_DECISIONS;
  if (f.decision !== undefined && f.decision !== null && !decisions.includes(f.decision)) {
    throw validation('decision', `must be one of ${decisions.join(', ')}`);
  }
}

/** The case's development after a JSON Merge Patch of it, checked whole (null: none of it). */
function mergedDevelopment(row: { development: Record<string, unknown> | null }, patch: Json | null) {
  const merged = patch === null ? {} : mergePatch((row.development ?? {}) as Json, patch);
  const parsed = Development.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw validation(['development', ...issue.path].join('.'), `${issue.message} (after merging the change)`);
  }
  return parsed.data;
}

/** Parties change item by item: by id (change or remove), or added; parties not sent are kept. */
async function changeParties(trx: Knex.Transaction, caseId: number, changes: PartyChangeInput[]) {
  for (const [i, c] of changes.entries()) {
    if (!('id' in c)) {
      await repo.addParty(trx, caseId, c);
      continue;
    }
    const { id: partyId, ...rest } = c;
    const found =
      'remove' in rest
        ? await repo.removeParty(trx, caseId, partyId)
        : await repo.changeParty(
            trx,
            caseId,
            partyId,
            Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
          );
    if (!found) throw validation(`parties.${i}.id`, `the case has no party with id ${partyId}`);
  }
}

/** An application's decision must fit its type: consent for a listed building consent, a certificate for a lawful
 *  development certificate, prior approval for a prior approval, permission otherwise. */
function checkDecisionFitsType(applicationType: string, decision: string | null, field: string) {
  if (decision === null) return;
  const allowed = decisionsFor(applicationType);
  if (allowed.includes(decision)) return;
  throw new AppError(
    'DECISION_NOT_FOR_TYPE',
    `body.${field}: "${decision}" is not a decision for a ${applicationType} application (decided as ${decisionFamily(applicationType)}); use one of ${allowed.join(', ')}.`,
    { path: `body.${field}`, decision, applicationType, allowed },
  );
}

/**
 * The recorded decision date against today (Europe/London) and, for an application, against the earliest decision
 * date its publicity gives (read inside the transaction, after the change, so a change to the development or the
 * publicity in the same request counts). Before that date it needs decisionOverrideReason.
 */
async function checkDecisionDate(
  trx: Knex.Transaction,
  svc: CaseService,
  id: number,
  d: { kind: CaseKind; decision: string | null; decisionDate: string | null; overrideReason: string | null },
) {
  if (!d.decisionDate) return null;
  const today = todayInUk();
  let earliest: string | null = null;
  if (d.kind === 'application') {
    const pub = await casePublicity(trx, svc.authorityId, id);
    if ('windows' in pub) {
      // when a window's end is not known, the date the earliest decision date cannot be before still counts
      const w = pub.windows as { earliestDecisionDate: string | null; earliestDecisionDateAtLeast?: string | null };
      earliest = w.earliestDecisionDate ?? w.earliestDecisionDateAtLeast ?? null;
    }
  }
  const problem = decisionDateProblem({
    decision: d.decision,
    decisionDate: d.decisionDate,
    today,
    earliestDecisionDate: earliest,
    overrideReason: d.overrideReason,
  });
  if (problem?.rule === 'future')
    throw new AppError(
      'DECISION_DATE_IN_FUTURE',
      `body.decisionDate: ${d.decisionDate} is after today (${today}, Europe/London); a decision is recorded on or after the day it is made.`,
      { path: 'body.decisionDate', decisionDate: d.decisionDate, today },
    );
  if (problem?.rule === 'before-earliest')
    throw new AppError(
      'DECISION_BEFORE_EARLIEST_DATE',
      `body.decisionDate: ${d.decisionDate} is before the earliest decision date, ${problem.earliestDecisionDate}, when the last publicity window has closed (GET /api/cases/${id}/publicity). Date it on or after then, or give decisionOverrideReason saying why it may be decided earlier.`,
      {
        path: 'body.decisionDate',
        decisionDate: d.decisionDate,
        earliestDecisionDate: problem.earliestDecisionDate,
      },
    );
  return earliest;
}

/** A decision dated before the earliest decision date, with the reason given: its own audit row. */
async function auditEarlyDecision(
  trx: Knex.Transaction,
  user: User,
  id: number,
  d: { decision: string | null; decisionDate: string | null; overrideReason: string | null },
  earliest: string | null,
  requestId?: string,
) {
  if (!d.overrideReason || !d.decisionDate || !earliest || d.decisionDate >= earliest) return;
  await writeAudit(trx, {
    actor: actorOf(user),
    action: 'case.decision.early',
    entityType: 'case',
    entityId: id,
    after: {
      decision: d.decision,
      decisionDate: d.decisionDate,
      earliestDecisionDate: earliest,
      decisionOverrideReason: d.overrideReason,
    },
    requestId,
  });
}

function validation(field: string, message: string) {
  return new AppError('VALIDATION_FAILED', `body.${field}: ${message}`, {
    issues: [{ path: `body.${field}`, message }],
  });
}

function checkDates(d: {
  receivedDate: string;
  validDate: string | null;
  decisionDate: string | null;
  extensionsOfTime: Array<{ newTargetDate: string; agreedOn: string }>;
}) {
  if (d.validDate && d.validDate < d.receivedDate) throw validation('validDate', 'cannot be before the received date');
  if (d.decisionDate && d.decisionDate < d.receivedDate)
    throw validation('decisionDate', 'cannot be before the received date');
  d.extensionsOfTime.forEach((e, i) => {
    if (e.agreedOn < d.receivedDate)
      throw validation(`extensionsOfTime.${i}.agreedOn`, 'cannot be before the received date');
  });
}

export async function createCase(svc: CaseService, user: User, input: CreateCaseInput, requestId?: string) {
  assertCanWrite(user, input.kind);
  checkKindFields(input.kind, input.kind === 'application' ? { applicationType: input.applicationType } : {});
  if (input.kind === 'application') checkDecisionFitsType(input.applicationType, input.decision ?? null, 'decision');
  const ext = input.kind === 'application' ? (input.extensionsOfTime ?? []) : [];
  checkDates({
    receivedDate: input.receivedDate,
    validDate: input.kind === 'application' ? (input.validDate ?? null) : null,
    decisionDate: input.decisionDate ?? null,
    extensionsOfTime: ext,
  });
  const id = await svc.db.transaction(async (trx) => {
    let reference = input.reference;
    if (reference) {
      if (await repo.referenceExists(trx, svc.authorityId, reference)) {
        throw new AppError(
          'REFERENCE_TAKEN',
          `The reference ${reference} is already used by another case of this authority.`,
          { reference },
        );
      }
    } else {
      const year = Number(input.receivedDate.slice(0, 4));
      do {
        const n = await repo.nextReferenceNumber(trx, svc.authorityId, year, REFERENCE_PREFIX[input.kind]);
        reference = formatReference(year, REFERENCE_PREFIX[input.kind], n);
      } while (await repo.referenceExists(trx, svc.authorityId, reference));
    }
    const cols: repo.CaseColumns = {
      kind: input.kind,
      reference,
      description: input.description,
      site_address: input.siteAddress ?? null,
      uprns: input.uprns ?? [],
      status: input.status,
      received_date: input.receivedDate,
      target_date: input.targetDate ?? null,
      decision: input.decision ?? null,
      decision_date: input.decisionDate ?? null,
      officer_id: (await officerId(trx, input.officer)) ?? null,
    };
    if (input.kind === 'application') {
      Object.assign(cols, {
        application_type: input.applicationType,
        development: JSON.stringify(input.development ?? {}),
        valid_date: input.validDate ?? null,
        extensions_of_time: JSON.stringify(input.extensionsOfTime ?? []),
        decision_override_reason: input.decisionOverrideReason ?? null,
        decision_maker: input.decisionMaker ?? null,
        ppa: input.ppa ? JSON.stringify(input.ppa) : null,
        appeals: JSON.stringify(input.appeals ?? []),
      });
    } else {
      Object.assign(cols, {
        breach_type: input.breachType,
        site_visits: JSON.stringify(input.siteVisits ?? []),
        notices_served: JSON.stringify(input.noticesServed ?? []),
      });
    }
    const newId = await repo
      .insertCase(trx, svc.authorityId, cols)
      .catch((e: { code?: string; constraint?: string }) => {
        // a concurrent registration took the reference between the check above and this insert
        if (e?.code === '23505' && e.constraint === 'case_record_authority_id_reference_key') {
          throw new AppError(
            'REFERENCE_TAKEN',
            `The reference ${reference} is already used by another case of this authority.`,
            { reference },
          );
        }
        throw e;
      });
    if (input.parties?.length) await repo.replaceParties(trx, newId, input.parties);
    const overrideReason = input.kind === 'application' ? (input.decisionOverrideReason ?? null) : null;
    const d = {
      kind: input.kind,
      decision: input.decision ?? null,
      decisionDate: input.decisionDate ?? null,
      overrideReason,
    };
    await auditEarlyDecision(trx, user, newId, d, await checkDecisionDate(trx, svc, newId, d), requestId);
    const after = caseView((await repo.findCase(trx, svc.authorityId, newId))!);
    await writeAudit(trx, {
      actor: actorOf(user),
      action: 'case.create',
      entityType: 'case',
      entityId: newId,
      after: { ...after, parties: input.parties ?? [] },
      requestId,
    });
    return newId;
  });
  return getCase(svc, user, id);
}

export async function getCase(svc: CaseService, user: User, id: number, crs?: unknown) {
  const row = await repo.findCase(svc.db, svc.authorityId, id);
  if (!row) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${id}.`, { id });
  const srid = parseCrs(crs, 'crs parameter') === 'EPSG:27700' ? 27700 : 4326;
  const site = await repo.currentSite(svc.db, id, srid);
  const parties = PARTY_READERS.includes(user.role) ? await repo.listParties(svc.db, id) : undefined;
  const publicity = row.kind === 'application' ? await casePublicity(svc.db, svc.authorityId, id) : null;
  const location = row.kind === 'enforcement' ? await repo.findLocation(svc.db, id) : undefined;
  return {
    ...caseView(row),
    site: site ? siteView(site) : null,
    ...(row.kind === 'enforcement' ? { location: location ? locationView(location) : null } : {}),
    publicity,
    ...(parties ? { parties } : {}),
  };
}

export async function listCases(svc: CaseService, f: repo.ListFilter) {
  const { rows, total } = await repo.listCases(svc.db, svc.authorityId, f);
  return { items: rows.map(caseView), total, limit: f.limit, offset: f.offset };
}

function checkVersion(row: repo.CaseRow, expected: number | null, required: boolean) {
  if (expected === null) {
    if (!required) return;
    throw new AppError(
      'PRECONDITION_REQUIRED',
      `Send the version you are changing: an If-Match header with the case's ETag ("v${row.version}") or "version" in the body.`,
      {
        currentVersion: row.version,
      },
    );
  }
  if (expected !== row.version) {
    throw new AppError(
      'VERSION_CONFLICT',
      `The case was changed by someone else since you read it (you have version ${expected}, it is now version ${row.version}). Reload it and make your change again.`,
      { expectedVersion: expected, currentVersion: row.version },
    );
  }
}

export async function updateCase(
  svc: CaseService,
  user: User,
  id: number,
  patch: UpdateCaseInput,
  ifMatchVersion: number | null,
  requestId?: string,
) {
  const expected = ifMatchVersion ?? patch.version ?? null;
  await svc.db.transaction(async (trx) => {
    const row = await repo.findCase(trx, svc.authorityId, id, true);
    if (!row) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${id}.`, { id });
    assertCanWrite(user, row.kind);
    checkVersion(row, expected, true);
    checkKindFields(row.kind, patch);
    if (row.kind === 'application' && (patch.siteVisits || patch.noticesServed))
      throw validation(patch.siteVisits ? 'siteVisits' : 'noticesServed', 'applies to enforcement cases only');
    if (row.kind === 'enforcement' && (patch.validDate !== undefined || patch.extensionsOfTime || patch.development)) {
      throw validation(
        patch.extensionsOfTime ? 'extensionsOfTime' : patch.development ? 'development' : 'validDate',
        'applies to planning applications only',
      );
    }
    const statsField = (['decisionMaker', 'ppa', 'appeals'] as const).find((k) => patch[k] !== undefined);
    if (row.kind === 'enforcement' && statsField) throw validation(statsField, 'applies to planning applications only');
    const merged = {
      receivedDate: patch.receivedDate ?? row.receivedDate,
      validDate: patch.validDate !== undefined ? patch.validDate : row.validDate,
      decisionDate: patch.decisionDate !== undefined ? patch.decisionDate : row.decisionDate,
      extensionsOfTime: patch.extensionsOfTime ?? row.extensionsOfTime,
    };
    checkDates(merged);
    if (row.kind === 'enforcement' && patch.decisionOverrideReason !== undefined)
      throw validation('decisionOverrideReason', 'applies to planning applications only');
    const decision = patch.decision !== undefined ? patch.decision : row.decision;
    if (row.kind === 'application' && (patch.decision !== undefined || patch.applicationType !== undefined)) {
      const field = patch.decision !== undefined ? 'decision' : 'applicationType';
      checkDecisionFitsType(patch.applicationType ?? row.applicationType!, decision, field);
    }
    const decisionTouched =
      patch.decision !== undefined || patch.decisionDate !== undefined || patch.decisionOverrideReason !== undefined;
    // a reason given for one decision date does not carry over to another date, nor to no decision
    const overrideReason =
      patch.decisionOverrideReason !== undefined
        ? patch.decisionOverrideReason
        : (patch.decisionDate !== undefined && patch.decisionDate !== row.decisionDate) ||
            decision === null ||
            merged.decisionDate === null
          ? null
          : row.decisionOverrideReason;
    const cols: repo.CaseColumns & { publication?: string } = {};
    const publicationBefore = patch.publication !== undefined ? await publicationOf(trx, id) : undefined;
    if (patch.publication !== undefined) cols.publication = patch.publication;
    if (overrideReason !== row.decisionOverrideReason) cols.decision_override_reason = overrideReason;
    if (patch.applicationType !== undefined) cols.application_type = patch.applicationType;
    if (patch.breachType !== undefined) cols.breach_type = patch.breachType;
    if (patch.development !== undefined) cols.development = JSON.stringify(mergedDevelopment(row, patch.development));
    if (patch.description !== undefined) cols.description = patch.description;
    if (patch.siteAddress !== undefined) cols.site_address = patch.siteAddress;
    if (patch.uprns !== undefined) cols.uprns = patch.uprns;
    if (patch.status !== undefined) cols.status = patch.status;
    if (patch.receivedDate !== undefined) cols.received_date = patch.receivedDate;
    if (patch.validDate !== undefined) cols.valid_date = patch.validDate;
    if (patch.targetDate !== undefined) cols.target_date = patch.targetDate;
    if (patch.extensionsOfTime !== undefined) cols.extensions_of_time = JSON.stringify(patch.extensionsOfTime);
    if (patch.decision !== undefined) cols.decision = patch.decision;
    if (patch.decisionDate !== undefined) cols.decision_date = patch.decisionDate;
    if (patch.siteVisits !== undefined) cols.site_visits = JSON.stringify(patch.siteVisits);
    if (patch.noticesServed !== undefined) cols.notices_served = JSON.stringify(patch.noticesServed);
    if (patch.decisionMaker !== undefined) cols.decision_maker = patch.decisionMaker;
    if (patch.ppa !== undefined) cols.ppa = patch.ppa ? JSON.stringify(patch.ppa) : null;
    if (patch.appeals !== undefined) cols.appeals = JSON.stringify(patch.appeals);
    const oid = await officerId(trx, patch.officer);
    if (oid !== undefined) cols.officer_id = oid;
    const partiesBefore = patch.parties ? await repo.listParties(trx, id) : undefined;
    await repo.updateCase(trx, id, cols);
    if (patch.parties) await changeParties(trx, id, patch.parties);
    if (decisionTouched) {
      const d = { kind: row.kind, decision, decisionDate: merged.decisionDate, overrideReason };
      await auditEarlyDecision(trx, user, id, d, await checkDecisionDate(trx, svc, id, d), requestId);
    }
    const partiesAfter = patch.parties ? await repo.listParties(trx, id) : undefined;
    const after = caseView((await repo.findCase(trx, svc.authorityId, id))!);
    await writeAudit(trx, {
      actor: actorOf(user),
      action: 'case.update',
      entityType: 'case',
      entityId: id,
      before: {
        ...caseView(row),
        ...(partiesBefore ? { parties: partiesBefore } : {}),
        ...(publicationBefore !== undefined ? { publication: publicationBefore } : {}),
      },
      after: {
        ...after,
        ...(partiesAfter ? { parties: partiesAfter } : {}),
        ...(patch.publication !== undefined ? { publication: patch.publication } : {}),
      },
      requestId,
    });
  });
  // the register's consultation and earliest decision dates follow the case (publicity rules, in TypeScript)
  await refreshPublicDates(svc.db, svc.authorityId, id);
  return getCase(svc, user, id);
}

export interface SetSiteInput {
  geometry: unknown;
  crs?: string;
  source: 'drawn' | 'imported' | 'property' | 'amended';
  note?: string;
  repair?: boolean;
  crossBoundary?: boolean;
}

export async function setSite(
  svc: CaseService,
  user: User,
  id: number,
  input: SetSiteInput,
  ifMatchVersion: number | null,
  requestId?: string,
) {
  const existing = await repo.findCase(svc.db, svc.authorityId, id);
  if (!existing) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${id}.`, { id });
  assertCanWrite(user, existing.kind);
  const site = await intakeSite(svc.db, input.geometry, {
    ...svc.intake,
    crs: input.crs,
    repair: input.repair,
    crossBoundary: input.crossBoundary,
  });
  const result = await svc.db.transaction(async (trx) => {
    const row = (await repo.findCase(trx, svc.authorityId, id, true))!;
    checkVersion(row, ifMatchVersion, true);
    const before = await repo.currentSiteSummary(trx, id);
    await repo.supersedeSite(trx, id);
    const siteId = await repo.insertSite(trx, {
      caseId: id,
      ewkb: site.ewkb,
      areaM2: site.areaM2,
      source: input.source,
      inputCrs: site.inputCrs,
      repair: site.repair,
      note: input.note,
      setBy: user.id,
    });
    await repo.bumpVersion(trx, id);
    await writeAudit(trx, {
      actor: actorOf(user),
      action: 'case.site.set',
      entityType: 'case_site',
      entityId: siteId,
      before: before ? { caseId: id, siteId: before.id, areaM2: before.areaM2, source: before.source } : null,
      after: {
        caseId: id,
        siteId,
        areaM2: site.areaM2,
        source: input.source,
        inputCrs: site.inputCrs,
        repaired: Boolean(site.repair),
        outsideAuthorityM2: site.outsideAuthorityM2,
      },
      requestId,
    });
    return { siteId, version: row.version + 1 };
  });
  return {
    site: {
      id: result.siteId,
      areaM2: site.areaM2,
      areaHa: site.areaHa,
      vertexCount: site.vertexCount,
      polygonCount: site.polygonCount,
      source: input.source,
      inputCrs: site.inputCrs,
      repair: site.repair,
      outsideAuthorityM2: site.outsideAuthorityM2,
      geometry: site.geometry,
    },
    ...(site.warnings ? { warnings: site.warnings } : {}),
    version: result.version,
  };
}

export async function getSite(svc: CaseService, id: number, crs?: unknown) {
  return (await getSiteAndVersion(svc, id, crs)).site;
}

/** The current site and the case's version (the site's ETag: a site PUT sends it back in If-Match). */
export async function getSiteAndVersion(svc: CaseService, id: number, crs?: unknown) {
  const row = await repo.findCase(svc.db, svc.authorityId, id);
  if (!row) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${id}.`, { id });
  const srid = parseCrs(crs, 'crs parameter') === 'EPSG:27700' ? 27700 : 4326;
  const site = await repo.currentSite(svc.db, id, srid);
  if (!site) {
    const location = row.kind === 'enforcement' ? await repo.findLocation(svc.db, id) : undefined;
    if (location)
      throw new AppError(
        'SITE_NOT_SET',
        `Case ${row.reference} is located at a point (GET /api/cases/${id}: location) and has no site boundary. Checks, maps and neighbour selection work from the point; plot a boundary with PUT /api/cases/${id}/site if the breach covers an area.`,
        { id, location: locationView(location) },
      );
    throw new AppError(
      'SITE_NOT_SET',
      `Case ${row.reference} has no site yet. Plot it with PUT /api/cases/${id}/site.`,
      { id },
    );
  }
  return { site: siteView(site), version: row.version };
}

export async function getSiteVersions(svc: CaseService, id: number, crs?: unknown) {
  const row = await repo.findCase(svc.db, svc.authorityId, id);
  if (!row) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${id}.`, { id });
  const srid = parseCrs(crs, 'crs parameter') === 'EPSG:27700' ? 27700 : 4326;
  return { items: (await repo.siteVersions(svc.db, id, srid)).map(siteView) };
}

export async function nearbyCases(svc: CaseService, id: number, withinM: number, limit: number) {
  const row = await repo.findCase(svc.db, svc.authorityId, id);
  if (!row) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${id}.`, { id });
  if (!(await repo.currentSiteSummary(svc.db, id)) && !(await repo.findLocation(svc.db, id))) {
    throw new AppError(
      'SITE_NOT_SET',
      `Case ${row.reference} has no site yet, so there is no planning history to find around it.`,
      { id },
    );
  }
  const rows = await repo.nearbyCases(svc.db, id, withinM, limit);
  return {
    withinM,
    items: rows.map((r) => ({
      id: r.case_id,
      reference: r.reference,
      kind: r.kind,
      applicationType: r.application_type,
      breachType: r.breach_type,
      description: r.description,
      siteAddress: r.site_address,
      status: r.status,
      receivedDate: r.received_date,
      decision: r.decision,
      decisionDate: r.decision_date,
      relation: r.relation,
      distanceM: round(r.distance_m, 2),
      overlapM2: round(r.overlap_m2, 2),
    })),
  };
}

export type { Role };

/** An enforcement case's location (issue 11 item 7b): a point, through the same CRS rules as a site
 *  (shared/domain/geometry-shape.ts) and the authority boundary; applications need a red line (PUT …/site). */
export async function setLocation(
  svc: CaseService,
  user: User,
  id: number,
  input: { geometry: unknown; crs?: string; note?: string },
  ifMatchVersion: number | null,
  requestId?: string,
) {
  const existing = await repo.findCase(svc.db, svc.authorityId, id);
  if (!existing) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${id}.`, { id });
  assertCanWrite(user, existing.kind);
  if (existing.kind !== 'enforcement') {
    throw new AppError(
      'LOCATION_NOT_FOR_APPLICATIONS',
      `Case ${existing.reference} is an application: it needs a red line, not a point. Plot its site with PUT /api/cases/${id}/site.`,
      { id, kind: existing.kind },
    );
  }
  const shape = parsePointShape(input.geometry, { crs: input.crs });
  const [px, py] = shape.position;
  const p = await repo.pointIntake(
    svc.db,
    px,
    py,
    shape.crs === 'EPSG:27700' ? 27700 : 4326,
    svc.authorityId,
    svc.intake.toleranceM,
  );
  if (!p.authority_found) {
    throw new AppError(
      'INTERNAL',
      'The authority whose boundary the location is checked against is not loaded.',
      { authorityId: svc.authorityId },
      500,
    );
  }
  if (!p.inside) {
    const swapped = Boolean(p.swapped_inside);
    throw new AppError(
      swapped ? 'EASTING_NORTHING_SWAPPED' : 'SITE_OUTSIDE_AUTHORITY',
      swapped
        ? 'The location is outside the authority, but would be inside it with x and y swapped: EPSG:27700 positions are [easting, northing].'
        : `The location lies outside the authority's boundary, ${round(p.distance_to_boundary_m ?? 0, 2)} m from it. Check the coordinates and the crs (CRS84 longitude, latitude by default; EPSG:27700 eastings, northings).`,
      {
        path: shape.path,
        distanceM: round(p.distance_to_boundary_m ?? 0, 2),
        location: { epsg27700: [round(p.x, 3), round(p.y, 3)] },
      },
    );
  }
  const version = await svc.db.transaction(async (trx) => {
    const row = (await repo.findCase(trx, svc.authorityId, id, true))!;
    checkVersion(row, ifMatchVersion, true);
    const before = await repo.findLocation(trx, id);
    await repo.setLocation(trx, id, p.x, p.y, user.id);
    await repo.bumpVersion(trx, id);
    await writeAudit(trx, {
      actor: actorOf(user),
      action: 'case.location.set',
      entityType: 'case',
      entityId: id,
      before: before ? { caseId: id, epsg27700: [before.x, before.y] } : null,
      after: { caseId: id, epsg27700: [p.x, p.y], inputCrs: shape.crs, note: input.note ?? null },
      requestId,
    });
    return row.version + 1;
  });
  return { location: locationView((await repo.findLocation(svc.db, id))!), version };
}

function locationView(l: repo.LocationRow) {
  return {
    type: 'Point' as const,
    coordinates: [round(l.lon, 9), round(l.lat, 9)],
    epsg27700: [round(l.x, 3), round(l.y, 3)],
    setAt: l.setAt,
    setBy: l.setBy,
  };
}
