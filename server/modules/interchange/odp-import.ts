/**
 * Import of an application submitted in the Open Digital Planning shape (as PlanX sends it: schemas/application.json,
 * ODP v0.7.7). Every problem is found before anything is written: the JSON Schema (Ajv, all errors), then Redline's
 * own rules (a type Redline registers, the authority, the site boundary through the geometry intake, sane dates, the
 * fee, the parties as the case API takes them). Any problem: a 422 listing each with its JSON Pointer, nothing
 * created. Otherwise one transaction creates the case through the case service (createCase, then setSite for the
 * boundary), stores the fee and the submission id, and audits the import.
 */
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import { isApplicationType } from '../../../shared/domain/cases.ts';
import { writeAudit } from '../audit/audit.ts';
import type { User } from '../users/service.ts';
import { intakeSite } from '../geometry/intake.ts';
import { createCase, setSite, type CaseService } from '../cases/service.ts';
import { Development, Party, type CreateCaseInput } from '../cases/schema.ts';
import { odpValidator, schemaProblems, type Problem } from './odp-schema.ts';
import { ODP_TO_PLANNING_TYPE } from './odp-types.ts';
import * as repo from './repo.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** the value at a JSON Pointer of the submission, or undefined */
function at(root: unknown, pointer: string): unknown {
  let node = root;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObj(node)) node = node[key];
    else return undefined;
  }
  return node;
}
const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** "2024-02-18T15:54:30.821Z" → the day it was in Europe/London */
const londonDay = (d: Date) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(d);

/** "$.geometry.coordinates[0][3]" (the intake's paths) → "/geometry/coordinates/0/3" under `base` */
export function intakePathToPointer(base: string, p: string): string {
  const rest = p
    .replace(/^\$/, '')
    .replace(/\[(\d+)\]/g, '/$1')
    .replace(/\.([^./[]+)/g, '/$1');
  return `${base}${rest}`;
}

type Pos = [number, number];
/** The JSON Pointer of the position that starts the edge through `pt` (the last such edge: the one that crosses
 *  an earlier one), for a Polygon or MultiPolygon geometry at `base`; null when no edge passes within `tol`. */
export function positionPointer(base: string, geometry: unknown, pt: Pos, tol = 1e-7): string | null {
  if (!isObj(geometry)) return null;
  const polys: Array<{ prefix: string; rings: unknown }> =
    geometry.type === 'Polygon'
      ? [{ prefix: `${base}/coordinates`, rings: geometry.coordinates }]
      : geometry.type === 'MultiPolygon' && Array.isArray(geometry.coordinates)
        ? geometry.coordinates.map((rings, i) => ({ prefix: `${base}/coordinates/${i}`, rings }))
        : [];
  let found: string | null = null;
  for (const { prefix, rings } of polys) {
    if (!Array.isArray(rings)) continue;
    rings.forEach((ring, r) => {
      if (!Array.isArray(ring)) return;
      for (let i = 0; i + 1 < ring.length; i++) {
        const a = ring[i] as Pos;
        const b = ring[i + 1] as Pos;
        if (!Array.isArray(a) || !Array.isArray(b)) continue;
        if (distToSegment(pt, a, b) <= tol) found = `${prefix}/${r}/${i}`;
      }
    });
  }
  return found;
}
function distToSegment(p: Pos, a: Pos, b: Pos): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

const BOUNDARY_PATHS = ['/data/property/boundary/site', '/data/proposal/boundary/site'] as const;

export interface OdpImportContext {
  svc: CaseService;
  authorityCode: string | null;
  now?: Date;
}

interface Checked {
  problems: Problem[];
  input?: CreateCaseInput;
  boundary?: { path: string; geometry: unknown };
  fee?: repo.CaseFee;
  submissionId?: string;
  odpType?: string;
}

/** Every problem of a submission (schema, then Redline's rules); with none, what the case will be. */
export async function checkSubmission(ctx: OdpImportContext, body: unknown): Promise<Checked> {
  const validate = odpValidator();
  const problems: Problem[] = validate(body) ? [] : schemaProblems(validate.errors);
  const reported = (p: string) => problems.some((q) => q.path === p || q.path.startsWith(`${p}/`));
  const add = (path: string, code: string, message: string) => {
    if (!reported(path)) problems.push({ path, code, message });
  };
  if (!isObj(body))
    return { problems: problems.length ? problems : [{ path: '', code: 'SCHEMA_TYPE', message: 'must be object' }] };

  // the application type
  const odpType = str(at(body, '/data/application/type/value'));
  const applicationType = odpType ? ODP_TO_PLANNING_TYPE[odpType] : undefined;
  if (odpType && (!applicationType || !isApplicationType(applicationType)))
    add(
      '/data/application/type/value',
      'UNKNOWN_APPLICATION_TYPE',
      `"${odpType}" is not an application type Redline registers (no planning.data.gov.uk planning-application-type for it); register it by hand if it is a planning application.`,
    );

  // the authority it was sent to
  const organisation = str(at(body, '/metadata/organisation'));
  if (organisation && ctx.authorityCode && organisation.toUpperCase() !== ctx.authorityCode.toUpperCase())
    add(
      '/metadata/organisation',
      'WRONG_ORGANISATION',
      `The submission is for "${organisation}"; this is ${ctx.authorityCode}'s Redline.`,
    );

  // the same submission twice
  const submissionId = str(at(body, '/metadata/id'));
  if (submissionId && /^[0-9a-f-]{36}$/i.test(submissionId)) {
    const existing = await repo.caseBySubmissionId(ctx.svc.db, ctx.svc.authorityId, submissionId);
    if (existing)
      add(
        '/metadata/id',
        'ALREADY_IMPORTED',
        `This submission was imported already, as ${existing.reference} (case ${existing.id}).`,
      );
  }

  // dates
  const now = ctx.now ?? new Date();
  const submittedAtRaw = str(at(body, '/metadata/submittedAt'));
  let receivedDate: string | undefined;
  if (submittedAtRaw) {
    const d = new Date(submittedAtRaw);
    if (Number.isNaN(d.getTime())) add('/metadata/submittedAt', 'BAD_DATE', 'is not a date and time');
    else if (d.getTime() > now.getTime() + 5 * 60_000)
      add('/metadata/submittedAt', 'DATE_IN_FUTURE', `${submittedAtRaw} is in the future (now ${now.toISOString()}).`);
    else if (d.getUTCFullYear() < 2000)
      add('/metadata/submittedAt', 'DATE_TOO_EARLY', `${submittedAtRaw} is before 2000: not an online submission.`);
    else receivedDate = londonDay(d);
  }
  const start = str(at(body, '/data/proposal/date/start'));
  const completion = str(at(body, '/data/proposal/date/completion'));
  if (start && completion && /^\d{4}-\d\d-\d\d$/.test(start) && completion < start)
    add(
      '/data/proposal/date/completion',
      'DATES_OUT_OF_ORDER',
      `completion (${completion}) is before start (${start}).`,
    );

  // the fee
  const payable = at(body, '/data/application/fee/payable');
  const calculated = at(body, '/data/application/fee/calculated');
  for (const [p, v] of [
    ['/data/application/fee/payable', payable],
    ['/data/application/fee/calculated', calculated],
  ] as const) {
    if (typeof v === 'number' && (!Number.isFinite(v) || v < 0 || v > 10_000_000_000))
      add(p, 'FEE_OUT_OF_RANGE', `${v} is not a fee in pounds (0 or more).`);
    else if (typeof v === 'number' && Math.round(v * 100) !== v * 100 && Math.abs(Math.round(v * 100) - v * 100) > 1e-6)
      add(p, 'FEE_OUT_OF_RANGE', `${v} has fractions of a penny.`);
  }

  // the parties, as the case API takes them
  const parties: NonNullable<CreateCaseInput['parties']> = [];
  const siteAddress =
    str(at(body, '/data/property/address/singleLine')) ?? str(at(body, '/data/property/address/title'));
  const sitePostcode = str(at(body, '/data/property/address/postcode'));
  const person = (base: string, role: 'applicant' | 'agent') => {
    const node = at(body, base);
    if (!isObj(node)) return;
    const first = str(at(node, '/name/first'));
    const last = str(at(node, '/name/last'));
    const title = str(at(node, '/name/title'));
    const name = [title, first, last].filter(Boolean).join(' ') || undefined;
    const organisation = str(at(node, '/company/name')) ?? str(at(node, '/organisation'));
    if (!name && !organisation) add(`${base}/name`, 'PARTY_UNNAMED', `The ${role} has no name and no company name.`);
    const addr = at(node, '/address');
    let address: string | undefined;
    let postcode: string | undefined;
    if (isObj(addr) && addr.sameAsSiteAddress === true) {
      address = siteAddress;
      postcode = sitePostcode;
    } else if (isObj(addr)) {
      address =
        ['line1', 'line2', 'town', 'county', 'country']
          .map((k) => str(addr[k]))
          .filter(Boolean)
          .join(', ') || undefined;
      postcode = str(addr.postcode);
    }
    const candidate = {
      role,
      name,
      organisation,
      address,
      postcode,
      email: str(node.email),
      phone: str(at(node, '/phone/primary')),
    };
    const clean = Object.fromEntries(Object.entries(candidate).filter(([, v]) => v !== undefined));
    const parsed = Party.safeParse(clean);
    if (!parsed.success) {
      const where: Record<string, string> = {
        name: '/name',
        organisation: '/company/name',
        address: '/address',
        postcode: '/address/postcode',
        email: '/email',
        phone: '/phone/primary',
      };
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? '');
        add(`${base}${where[field] ?? ''}`, 'PARTY_FIELD_INVALID', `${field}: ${issue.message}`);
      }
    } else parties.push(parsed.data);
  };
  person('/data/applicant', 'applicant');
  person('/data/applicant/agent', 'agent');

  // development details
  const num = (p: string) => {
    const v = at(body, p);
    return typeof v === 'number' ? v : undefined;
  };
  const dwellings =
    num('/data/proposal/newDwellings/newBuild/count') ??
    num('/data/proposal/units/total') ??
    num('/data/proposal/new/count/dwellings');
  const extendM2 = num('/data/proposal/extend/area/squareMetres');
  const newM2 = num('/data/proposal/new/area/squareMetres');
  const development: Record<string, unknown> = {};
  if (dwellings !== undefined) development.dwellings = dwellings;
  if (extendM2 !== undefined || newM2 !== undefined) development.floorspaceM2 = (extendM2 ?? 0) + (newM2 ?? 0);
  if (isObj(at(body, '/data/proposal/extend')) || isObj(at(body, '/data/proposal/new')))
    development.newBuildingOrExtension = true;
  const dev = Development.safeParse(development);
  if (!dev.success)
    for (const issue of dev.error.issues) {
      const field = String(issue.path[0] ?? '');
      const p =
        field === 'dwellings'
          ? [
              '/data/proposal/newDwellings/newBuild/count',
              '/data/proposal/units/total',
              '/data/proposal/new/count/dwellings',
            ].find((q) => at(body, q) !== undefined)!
          : '/data/proposal';
      add(p, 'DEVELOPMENT_INVALID', `${field}: ${issue.message}`);
    }

  // the site boundary, through the geometry intake (CRS84, as ODP sends it)
  let boundary: Checked['boundary'];
  const site = BOUNDARY_PATHS.map((p) => ({ path: p, node: at(body, p) })).find((b) => b.node !== undefined);
  if (!site) {
    add(
      '/data/property/boundary',
      'SITE_BOUNDARY_REQUIRED',
      'The submission has no site boundary (data.property.boundary.site or data.proposal.boundary.site).',
    );
  } else if (!reported(site.path)) {
    const geometryPath = isObj(site.node) && site.node.type === 'Feature' ? `${site.path}/geometry` : site.path;
    const geometry = geometryPath === site.path ? site.node : (site.node as Obj).geometry;
    try {
      await intakeSite(ctx.svc.db, geometry, { ...ctx.svc.intake, crs: 'CRS84', outputs: false });
      boundary = { path: geometryPath, geometry };
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const details = (e.details ?? {}) as { path?: string; location?: { input?: Pos | null } };
      let p = geometryPath;
      if (typeof details.path === 'string') p = intakePathToPointer(geometryPath, details.path);
      else if (details.location?.input)
        p = positionPointer(geometryPath, geometry, details.location.input) ?? geometryPath;
      add(p, e.code, e.message);
    }
  }

  if (problems.length) return { problems };
  const description = str(at(body, '/data/proposal/description'))!;
  const uprnText = str(at(body, '/data/property/address/uprn'));
  const uprn = uprnText && /^\d{1,12}$/.test(uprnText) ? Number(uprnText) : undefined;
  const input: CreateCaseInput = {
    kind: 'application',
    applicationType: applicationType!,
    description: description.slice(0, 5000),
    ...(siteAddress ? { siteAddress: siteAddress.slice(0, 500) } : {}),
    ...(uprn ? { uprns: [uprn] } : {}),
    receivedDate: receivedDate!,
    status: 'received',
    development: dev.success ? dev.data : {},
    parties,
  } as CreateCaseInput;
  const fee: repo.CaseFee = {
    // a submission with no fee (fee.notApplicable) stores none
    payable: typeof payable === 'number' ? payable : null,
    calculated: typeof calculated === 'number' ? calculated : null,
    reference: str(at(body, '/data/application/fee/reference/govPay'))?.slice(0, 200) ?? null,
  };
  return { problems, input, boundary, fee, submissionId, odpType };
}

/** Checks the submission and, when it fits, creates the case in one transaction. */
export async function importSubmission(
  ctx: OdpImportContext,
  user: User,
  body: unknown,
  requestId?: string,
): Promise<{ problems: Problem[] } | { created: { id: number; reference: string; siteId: number; version: number } }> {
  const checked = await checkSubmission(ctx, body);
  if (checked.problems.length || !checked.input || !checked.boundary || !checked.fee)
    return { problems: checked.problems };
  const { input, boundary, fee } = checked;
  const created = await ctx.svc.db.transaction(async (trx: Knex.Transaction) => {
    const svc: CaseService = { ...ctx.svc, db: trx };
    const created = await createCase(svc, user, input, requestId);
    const site = await setSite(
      svc,
      user,
      created.id,
      {
        geometry: boundary.geometry,
        crs: 'CRS84',
        source: 'imported',
        note: `ODP submission ${checked.submissionId ?? ''}`.trim(),
      },
      created.version,
      requestId,
    );
    await repo.setFee(trx, created.id, fee, checked.submissionId ?? null);
    await writeAudit(trx, {
      actor: { id: user.id, username: user.username },
      action: 'case.import.odp',
      entityType: 'case',
      entityId: created.id,
      after: {
        reference: created.reference,
        odpApplicationType: checked.odpType,
        applicationType: input.kind === 'application' ? input.applicationType : null,
        submissionId: checked.submissionId ?? null,
        boundaryFrom: boundary.path,
        siteId: site.site.id,
        fee,
        parties: (input.parties ?? []).map((p) => p.role),
      },
      requestId,
    });
    return { id: created.id, reference: created.reference, siteId: site.site.id, version: site.version };
  });
  return { created };
}
