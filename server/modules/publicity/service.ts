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
import { casePublicityRow, currentSiteSummary, findCase, type CasePublicityRow } from '../cases/repo.ts';
import { latestCheck } from '../constraints/repo.ts';
import { insertEvent, listEvents } from './repo.ts';

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

/** Publicity triggers from a stored constraint report: listed building setting (with grades) and conservation area. */
export function triggersFrom(
  report: ConstraintReport | null,
  siteAreaM2: number,
  newBuildingOrExtension: boolean,
): ConstraintTrigger[] {
  if (!report) return [];
  const out: ConstraintTrigger[] = [];
  for (const l of report.layers) {
    if (l.status !== 'constraint' || !l.publicity) continue;
    if (l.publicity === 'listed-building-setting') {
      const grades = [
        ...new Set(
          l.hits
            .filter((h) => h.fired)
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
  return out;
}

export async function casePublicity(db: Knex, authorityId: number, caseId: number) {
  const c = await casePublicityRow(db, authorityId, caseId);
  if (!c) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${caseId}.`, { id: caseId });
  if (c.kind !== 'application')
    return { applies: false, because: 'Publicity rules apply to planning applications, not enforcement cases.' };
  const site = await currentSiteSummary(db, caseId);
  const check = await latestCheck(db, caseId);
  const events = await listEvents(db, caseId);
  const dev = (c.development ?? {}) as Record<string, unknown>;
  const siteAreaM2 = site?.areaM2 ?? 0;
  const triggers = triggersFrom(check?.result ?? null, siteAreaM2, Boolean(dev.newBuildingOrExtension));
  const result = publicityFor(
    caseInputOf(c, dev, site ? siteAreaM2 : undefined),
    triggers,
    events.map((e) => ({
      kind: e.kind,
      date: e.date,
      ...(e.eia !== null && e.eia !== undefined ? { eia: e.eia } : {}),
    })),
    (c.sci ?? null) as SciPolicy | null,
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
  return { applies: true, ...result, triggers, constraintCheckId: check?.id ?? null, events, caveats };
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
    ...(dev.listedBuildingConsent
      ? { listedBuildingConsent: dev.listedBuildingConsent as { grade: ListedGrade | null; interiorOnly: boolean } }
      : {}),
    validDate: c.validDate,
    extensionsOfTime: c.extensionsOfTime ?? [],
  };
}

export async function recordEvent(
  db: Knex,
  authorityId: number,
  caseId: number,
  e: { kind: (typeof EVENT_KINDS)[number]; date: string; eia?: boolean; notes?: string },
  actor: Actor,
  requestId?: string,
) {
  const c = await findCase(db, authorityId, caseId);
  if (!c) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${caseId}.`, { id: caseId });
  if (c.kind !== 'application')
    throw new AppError('VALIDATION_FAILED', 'Publicity events are recorded on planning applications.', {
      issues: [{ path: 'case', message: 'not an application' }],
    });
  if (e.date < c.receivedDate)
    throw new AppError('VALIDATION_FAILED', 'body.date: cannot be before the application was received', {
      issues: [{ path: 'body.date', message: 'before the received date' }],
    });
  return db.transaction(async (trx) => {
    const row = await insertEvent(trx, {
      caseId,
      kind: e.kind,
      date: e.date,
      eia: e.eia ?? null,
      notes: e.notes ?? null,
      createdBy: actor.id,
    });
    await writeAudit(trx, {
      actor,
      action: 'publicity-event.create',
      entityType: 'case',
      entityId: caseId,
      after: row,
      requestId,
    });
    return row;
  });
}
