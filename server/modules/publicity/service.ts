/** A case's publicity: what the law and the authority's SCI require (from the case, its site and its latest stored
 *  constraint check), the events recorded, the windows they open, the earliest decision date and the statutory
 *  determination date with agreed extensions. The rules are the pure functions of shared/domain/publicity.ts. */
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import {
  publicityFor,
  type ConstraintTrigger,
  type ListedGrade,
  type PublicityEvent,
  type SciPolicy,
} from '../../../shared/domain/publicity.ts';
import type { ConstraintReport } from '../../../shared/domain/constraints.ts';

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
  const c = await db('case_record as c')
    .join('authority as a', 'a.id', 'c.authority_id')
    .where({ 'c.id': caseId, 'c.authority_id': authorityId })
    .first(
      'c.id',
      'c.kind',
      'c.application_type as applicationType',
      'c.valid_date as validDate',
      'c.extensions_of_time as extensionsOfTime',
      'c.development',
      'a.sci_policy as sci',
    );
  if (!c) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${caseId}.`, { id: caseId });
  if (c.kind !== 'application')
    return { applies: false, because: 'Publicity rules apply to planning applications, not enforcement cases.' };
  const site = await db('case_site').where({ case_id: caseId }).whereNull('superseded_at').first('area_m2');
  const check = await db('constraint_check')
    .where({ case_id: caseId })
    .orderBy('id', 'desc')
    .first('id', 'result', 'created_at');
  const events = (await db('publicity_event as e')
    .leftJoin('app_user as u', 'u.id', 'e.created_by')
    .where({ 'e.case_id': caseId })
    .orderBy(['e.date', 'e.id'])
    .select(
      'e.id',
      'e.kind',
      'e.date',
      'e.eia',
      'e.notes',
      'u.username as recordedBy',
      'e.created_at as recordedAt',
    )) as Array<PublicityEvent & { id: number; eia: boolean | null }>;
  const dev = (c.development ?? {}) as Record<string, unknown>;
  const siteAreaM2 = site?.area_m2 ?? 0;
  const triggers = triggersFrom(check?.result ?? null, siteAreaM2, Boolean(dev.newBuildingOrExtension));
  const result = publicityFor(
    {
      applicationType: c.applicationType,
      ...(dev.dwellings !== undefined ? { dwellings: dev.dwellings as number | null } : {}),
      ...(site ? { siteAreaHa: siteAreaM2 / 10_000 } : {}),
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
    },
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

export async function recordEvent(
  db: Knex,
  authorityId: number,
  caseId: number,
  e: { kind: (typeof EVENT_KINDS)[number]; date: string; eia?: boolean; notes?: string },
  actor: Actor,
  requestId?: string,
) {
  const c = await db('case_record')
    .where({ id: caseId, authority_id: authorityId })
    .first('id', 'kind', 'received_date');
  if (!c) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${caseId}.`, { id: caseId });
  if (c.kind !== 'application')
    throw new AppError('VALIDATION_FAILED', 'Publicity events are recorded on planning applications.', {
      issues: [{ path: 'case', message: 'not an application' }],
    });
  if (e.date < c.received_date)
    throw new AppError('VALIDATION_FAILED', 'body.date: cannot be before the application was received', {
      issues: [{ path: 'body.date', message: 'before the received date' }],
    });
  return db.transaction(async (trx) => {
    const [row] = await trx('publicity_event')
      .insert({
        case_id: caseId,
        kind: e.kind,
        date: e.date,
        eia: e.eia ?? null,
        notes: e.notes ?? null,
        created_by: actor.id,
      })
      .returning(['id', 'kind', 'date', 'eia', 'notes']);
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
