/**
 * The staff pages (issue 12 item 1): server-rendered with nunjucks and GOV.UK Frontend, complete without
 * JavaScript where they can be; the client bundle (client/src/staff/main.ts) enhances them (the map, the panels,
 * the layer upload). The pages call the modules' services directly, never the HTTP API.
 *
 *   /cases            list with search, filters, sorting and paging
 *   /cases/new        register an application or an enforcement case (form post, errors beside their fields)
 *   /cases/:id        the case: details, key dates, status, map and panels (each with a server-rendered fallback)
 *   /enforcement      open enforcement cases beside a map
 *   /layers           GIS: the constraint layers, upload (with JavaScript) and retire
 */
import { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../http/context.ts';
import { actorOf } from '../../http/context.ts';
import type { Views } from '../../http/views.ts';
import { AppError, isAppError } from '../../../shared/errors.ts';
import { PERMISSIONS, type Permission } from '../../../shared/roles.ts';
import {
  APPLICATION_STATUSES,
  APPLICATION_TYPES,
  BREACH_TYPES,
  CASE_KINDS,
  CASE_WRITERS,
  ENFORCEMENT_STATUSES,
  type CaseKind,
} from '../../../shared/domain/cases.ts';
import * as cases from '../cases/service.ts';
import { CreateCase, IsoDate, UpdateCase } from '../cases/schema.ts';
import { decisionsFor } from '../../../shared/domain/decisions.ts';
import { APPEAL_OUTCOMES, APPEAL_TYPES, DECISION_MAKERS } from '../../../shared/domain/statistics/types.ts';
import { getStoredCheck, listStoredChecks } from '../constraints/service.ts';
import { getRun, listRuns } from '../neighbours/service.ts';
import { listDocuments, type DocumentService } from '../documents/service.ts';
import { listLayers } from '../layers/definitions.ts';
import { retireLayer } from '../layers/lifecycle.ts';
import { authorityExtent, casePlaces, layerExtras } from './repo.ts';
import { listCaseComments } from '../comments/service.ts';

const SESSION_COOKIE = 'redline.sid';
const PAGE_SIZE = 25;
/** Enforcement statuses after which a case is no longer open. */
const CLOSED_ENFORCEMENT = new Set(['no-breach', 'breach-resolved', 'complied', 'closed']);

const hasSessionCookie = (req: Request) =>
  (req.headers.cookie ?? '').split(';').some((c) => c.trim().startsWith(`${SESSION_COOKIE}=`));

/**
 * Pages for signed-in staff only. Signed out: to the sign-in page, coming back here after. A session cookie that no
 * longer signs anyone in (the session expired or was ended, or the account disabled): the same, saying so.
 */
export function signedInPage(): RequestHandler {
  return (req, res, next) => {
    if (req.user) return next();
    const params = new URLSearchParams({ next: req.originalUrl });
    if (hasSessionCookie(req)) params.set('expired', '1');
    res.redirect(303, `/login?${params.toString()}`);
  };
}

const humanise = (s: string | null | undefined) => (s ? s.charAt(0).toUpperCase() + s.slice(1).replace(/-/g, ' ') : '');
const typeNames = new Map(APPLICATION_TYPES.map((t) => [t.reference, t.name]));
const typeName = (ref: string | null | undefined) => (ref ? (typeNames.get(ref) ?? ref) : '');

/** '2026-03-04' -> '4 March 2026' (a calendar date: no time zone). */
export function longDate(iso: string | Date | null | undefined): string {
  if (!iso) return '';
  const d = iso instanceof Date ? iso : new Date(`${iso.slice(0, 10)}T12:00:00Z`);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
}
const dateTime = (d: Date | string | null | undefined) =>
  d
    ? new Date(d).toLocaleString('en-GB', {
        day: 'numeric',
        month: 'long',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        timeZone: 'Europe/London',
      })
    : '';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodType>(t: T) => z.preprocess(blankToUndefined, t.optional()).catch(undefined);

const SORTS = ['reference', 'receivedDate', 'status', 'siteAddress'] as const;
const ListForm = z.object({
  q: opt(z.string().trim().max(200)),
  kind: opt(z.enum(CASE_KINDS)),
  status: opt(z.string().max(40)),
  applicationType: opt(z.string().max(64)),
  sort: z.preprocess(blankToUndefined, z.enum(SORTS).default('receivedDate')).catch('receivedDate'),
  order: opt(z.enum(['asc', 'desc'])),
  page: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(100_000).default(1)).catch(1),
});

const canWriteKind = (req: Request, kind: CaseKind) => CASE_WRITERS[kind].includes(req.user!.role);
const has = (req: Request, p: Permission) => (PERMISSIONS[p] as readonly string[]).includes(req.user!.role);

/* ---------- the new-case form: form fields <-> the API's CreateCase body ---------- */

const PARTY_FIELDS = ['name', 'organisation', 'address', 'postcode', 'email', 'phone'] as const;
const PARTY_ROLES: Record<CaseKind, Array<'applicant' | 'agent' | 'complainant'>> = {
  application: ['applicant', 'agent'],
  enforcement: ['complainant'],
};
const DEV_FLAGS = [
  ['newBuildingOrExtension', 'It is a new building or an extension'],
  ['eia', 'It is EIA development (an environmental statement is needed)'],
  ['departure', 'It departs from the development plan'],
  ['publicRightOfWay', 'It affects a public right of way'],
  ['nearRailway', 'It is near a railway'],
  ['publicServiceInfrastructure', 'It is public service infrastructure development'],
] as const;

const LABELS: Record<string, string> = {
  kind: 'What you are registering',
  applicationType: 'Application type',
  breachType: 'Alleged breach',
  reference: 'Reference',
  receivedDate: 'Date received',
  validDate: 'Date valid',
  description: 'Description',
  siteAddress: 'Site address',
  uprns: 'UPRNs',
  officer: 'Case officer',
  dwellings: 'Number of dwellings',
  floorspaceM2: 'Floorspace',
  lbcGrade: 'Listed building grade',
  development: 'Development',
};
for (const role of ['applicant', 'agent', 'complainant'])
  for (const f of PARTY_FIELDS)
    LABELS[`${role}-${f}`] = `${humanise(role)}'s ${f === 'organisation' ? 'organisation' : f}`;

type FormValues = Record<string, string | string[] | undefined>;
type FieldErrors = Record<string, string>;

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : Array.isArray(v) ? String(v[0] ?? '').trim() : '');
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

/** A GOV.UK date input (day, month, year) as YYYY-MM-DD; undefined when all three are blank. */
function dateField(
  body: FormValues,
  id: string,
  errors: FieldErrors,
  required: string | null,
  label: string,
): string | undefined {
  const [d, m, y] = ['day', 'month', 'year'].map((p) => str(body[`${id}-${p}`]));
  if (!d && !m && !y) {
    if (required) errors[id] = required;
    return undefined;
  }
  if (!/^\d{1,2}$/.test(d!) || !/^\d{1,2}$/.test(m!) || !/^\d{4}$/.test(y!)) {
    errors[id] = `${label} must be a real date, like 27 3 2026`;
    return undefined;
  }
  const iso = `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}`;
  if (!IsoDate.safeParse(iso).success) {
    errors[id] = `${label} must be a real date, like 27 3 2026`;
    return undefined;
  }
  return iso;
}

/** The form as the API's CreateCase body, and the errors found in the form's own fields. */
export function caseFromForm(kind: CaseKind, body: FormValues) {
  const errors: FieldErrors = {};
  const out: Record<string, unknown> = { kind };
  const text = (name: string) => str(body[name]) || undefined;
  out.reference = text('reference');
  out.description = text('description') ?? '';
  out.siteAddress = text('siteAddress');
  out.officer = text('officer');
  out.receivedDate = dateField(
    body,
    'receivedDate',
    errors,
    `Enter the date the ${kind === 'application' ? 'application' : 'complaint'} was received`,
    'Date received',
  );
  const uprns = str(body.uprns);
  if (uprns) {
    const parts = uprns.split(/[\s,;]+/).filter(Boolean);
    if (parts.some((p) => !/^\d{1,12}$/.test(p)))
      errors.uprns = 'Enter UPRNs as numbers of up to 12 digits, separated by commas';
    else out.uprns = parts.map(Number);
  }
  if (kind === 'application') {
    out.applicationType = text('applicationType') ?? '';
    out.validDate = dateField(body, 'validDate', errors, null, 'Date valid');
    const dev: Record<string, unknown> = {};
    const dwellings = str(body.dwellings).toLowerCase();
    if (dwellings === 'unknown') dev.dwellings = 'unknown';
    else if (/^\d+$/.test(dwellings)) dev.dwellings = Number(dwellings);
    else if (dwellings) errors.dwellings = 'Enter the number of dwellings as a whole number, or “unknown”';
    const floor = str(body.floorspaceM2);
    if (/^\d+(\.\d+)?$/.test(floor)) dev.floorspaceM2 = Number(floor);
    else if (floor) errors.floorspaceM2 = 'Enter the floorspace in square metres, as a number';
    const flags = list(body.development);
    for (const [flag] of DEV_FLAGS) if (flags.includes(flag)) dev[flag] = true;
    const grade = str(body.lbcGrade);
    if (grade) dev.listedBuildingConsent = { grade, interiorOnly: str(body.lbcInteriorOnly) === 'true' };
    if (Object.keys(dev).length) out.development = dev;
  } else {
    out.breachType = text('breachType') ?? '';
  }
  const roles: string[] = [];
  const parties: Array<Record<string, string>> = [];
  for (const role of PARTY_ROLES[kind]) {
    const p: Record<string, string> = {};
    for (const f of PARTY_FIELDS) {
      const v = str(body[`${role}-${f}`]);
      if (v) p[f] = v;
    }
    if (Object.keys(p).length) {
      parties.push({ role, ...p });
      roles.push(role);
    }
  }
  if (parties.length) out.parties = parties;
  return { input: out, errors, partyRoles: roles };
}

/** A path of the CreateCase body (zod's, or an AppError's 'body.x.y') as the id of the form field it came from. */
function fieldOf(path: ReadonlyArray<PropertyKey>, partyRoles: string[]): string {
  const [head, a, b] = path.map(String);
  if (head === 'parties' && a !== undefined) return `${partyRoles[Number(a)] ?? 'applicant'}-${b ?? 'name'}`;
  if (head === 'development') {
    if (a === 'listedBuildingConsent') return 'lbcGrade';
    if (a === 'dwellings' || a === 'floorspaceM2') return a;
    return 'development';
  }
  return head ?? 'kind';
}

function friendly(field: string, issue: z.core.$ZodIssue): string {
  const label = LABELS[field] ?? humanise(field);
  if (
    ['applicationType', 'breachType', 'kind'].includes(field) &&
    (issue.code === 'too_small' || issue.code === 'invalid_value')
  )
    return `Select ${label.toLowerCase()}`;
  if (field === 'description' && issue.code === 'too_small') return 'Enter a description';
  if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) <= 1)
    return `Enter ${label.toLowerCase()}`;
  if (issue.code === 'too_big' && issue.origin === 'string')
    return `${label} must be ${issue.maximum} characters or fewer`;
  if (issue.code === 'invalid_format' && issue.format === 'email')
    return 'Enter an email address in the correct format, like name@example.com';
  if (issue.code === 'invalid_value') return `Select ${label.toLowerCase()}`;
  return `${label} ${issue.message}`;
}

/** An AppError from the cases service, placed beside its field where it has one. */
function errorsOfAppError(e: AppError, partyRoles: string[]): { field: string | null; text: string }[] {
  const details = (e.details ?? {}) as { issues?: Array<{ path: string; message: string }> };
  const byCode: Record<string, string> = {
    UNKNOWN_APPLICATION_TYPE: 'applicationType',
    REFERENCE_TAKEN: 'reference',
    UNKNOWN_OFFICER: 'officer',
    DECISION_NOT_FOR_TYPE: 'applicationType',
  };
  if (details.issues?.length)
    return details.issues.map((i) => {
      const field = fieldOf(i.path.replace(/^body\./, '').split('.'), partyRoles);
      return { field, text: `${LABELS[field] ?? humanise(field)} ${i.message}` };
    });
  return [{ field: byCode[e.code] ?? null, text: e.message }];
}

/* ---------- the router ---------- */

export function staffRoutes(ctx: AppContext, views: Views) {
  const r = Router();
  const s: cases.CaseService = { db: ctx.db, authorityId: ctx.authorityId, intake: ctx.intake };
  const docs: DocumentService = {
    db: ctx.db,
    authorityId: ctx.authorityId,
    mapMaxPixels: ctx.config.MAP_MAX_PIXELS,
    log: ctx.log,
  };
  const page = signedInPage();
  const render = (res: Response, template: string, data: Record<string, unknown>) =>
    views.render(res, template, { longDate, dateTime, humanise, typeName, ...data });
  const forbidden = (res: Response, text: string) => {
    res.status(403);
    render(res, 'staff/error.njk', { title: 'You cannot do this', heading: 'You cannot do this', text });
  };
  const only =
    (p: Permission, what: string): RequestHandler =>
    (req, res, next) =>
      has(req, p)
        ? next()
        : forbidden(
            res,
            `${what} is for the roles ${PERMISSIONS[p].join(', ')}; you are signed in as ${req.user!.role}.`,
          );

  r.get('/cases', page, async (req, res) => {
    const f = ListForm.parse(req.query);
    const order = f.order ?? (f.sort === 'receivedDate' ? 'desc' : 'asc');
    const result = await cases.listCases(s, {
      kind: f.kind,
      status: f.status,
      applicationType: f.applicationType,
      q: f.q,
      sort: { by: f.sort, order },
      limit: PAGE_SIZE,
      offset: (f.page - 1) * PAGE_SIZE,
    });
    const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
    const base = { q: f.q, kind: f.kind, status: f.status, applicationType: f.applicationType };
    const link = (extra: Record<string, unknown>) => {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries({ ...base, sort: f.sort, order, ...extra }))
        if (v !== undefined && v !== '' && !(k === 'page' && String(v) === '1')) p.set(k, String(v));
      return `/cases?${p.toString()}`;
    };
    const columns = [
      { key: 'reference', label: 'Reference' },
      { key: null, label: 'Kind' },
      { key: null, label: 'Type' },
      { key: 'siteAddress', label: 'Site address' },
      { key: 'status', label: 'Status' },
      { key: 'receivedDate', label: 'Received' },
    ].map((c) => ({
      ...c,
      ariaSort: c.key === f.sort ? (order === 'asc' ? 'ascending' : 'descending') : c.key ? 'none' : null,
      href: c.key
        ? link({
            sort: c.key,
            order: c.key === f.sort ? (order === 'asc' ? 'desc' : 'asc') : c.key === 'receivedDate' ? 'desc' : 'asc',
            page: 1,
          })
        : null,
    }));
    const statuses =
      f.kind === 'application'
        ? APPLICATION_STATUSES
        : f.kind === 'enforcement'
          ? ENFORCEMENT_STATUSES
          : [...new Set([...APPLICATION_STATUSES, ...ENFORCEMENT_STATUSES])];
    const pagination =
      pages > 1
        ? {
            previous: f.page > 1 ? { href: link({ page: f.page - 1 }) } : undefined,
            next: f.page < pages ? { href: link({ page: f.page + 1 }) } : undefined,
            items: Array.from({ length: pages }, (_, i) => i + 1)
              .filter((n) => n === 1 || n === pages || Math.abs(n - f.page) <= 2)
              .flatMap((n, i, arr) => {
                const item = { number: n, href: link({ page: n }), current: n === f.page };
                return i > 0 && n - arr[i - 1]! > 1 ? [{ ellipsis: true }, item] : [item];
              }),
          }
        : null;
    render(res, 'staff/cases.njk', {
      title: 'Cases',
      navCurrent: 'cases',
      filters: { ...base, sort: f.sort, order },
      items: result.items,
      total: result.total,
      from: result.total ? (f.page - 1) * PAGE_SIZE + 1 : 0,
      to: Math.min(result.total, f.page * PAGE_SIZE),
      columns,
      pagination,
      statusItems: [
        { value: '', text: 'Any status' },
        ...statuses.map((v) => ({ value: v, text: humanise(v), selected: v === f.status })),
      ],
      kindItems: [
        { value: '', text: 'Applications and enforcement' },
        { value: 'application', text: 'Planning applications', selected: f.kind === 'application' },
        { value: 'enforcement', text: 'Enforcement cases', selected: f.kind === 'enforcement' },
      ],
      typeItems: [
        { value: '', text: 'Any application type' },
        ...APPLICATION_TYPES.map((t) => ({
          value: t.reference,
          text: t.name,
          selected: t.reference === f.applicationType,
        })),
      ],
      canWrite: has(req, 'caseWrite'),
    });
  });

  const writableKinds = (req: Request) => CASE_KINDS.filter((k) => canWriteKind(req, k));

  function renderNewCase(
    req: Request,
    res: Response,
    kind: CaseKind,
    values: FormValues,
    errorList: Array<{ field: string | null; text: string }> = [],
  ) {
    const fieldErrors: FieldErrors = {};
    for (const e of errorList) if (e.field && !fieldErrors[e.field]) fieldErrors[e.field] = e.text;
    const dateFields = new Set(['receivedDate', 'validDate']);
    const errors = errorList.map((e) => ({
      text: e.text,
      href: e.field
        ? `#${dateFields.has(e.field) ? `${e.field}-day` : e.field === 'development' ? 'development' : e.field}`
        : undefined,
    }));
    const v = (k: string) => str(values[k]);
    const flags = list(values.development);
    render(res, 'staff/case-new.njk', {
      title: kind === 'application' ? 'Register a planning application' : 'Register an enforcement case',
      navCurrent: 'new',
      kind,
      values: Object.fromEntries(Object.keys(values).map((k) => [k, v(k)])),
      errors,
      fieldErrors,
      partyRoles: PARTY_ROLES[kind],
      partyFields: PARTY_FIELDS,
      typeItems: [
        { value: '', text: 'Choose an application type' },
        ...APPLICATION_TYPES.map((t) => ({
          value: t.reference,
          text: t.name,
          selected: t.reference === v('applicationType'),
        })),
      ],
      breachItems: [
        { value: '', text: 'Choose the alleged breach' },
        ...BREACH_TYPES.map((b) => ({ value: b, text: humanise(b), selected: b === v('breachType') })),
      ],
      gradeItems: [
        { value: '', text: 'Not a listed building consent' },
        ...['I', 'II*', 'II'].map((g) => ({ value: g, text: `Grade ${g}`, selected: g === v('lbcGrade') })),
        { value: 'unknown', text: 'Grade not known yet', selected: v('lbcGrade') === 'unknown' },
      ],
      devItems: DEV_FLAGS.map(([value, text]) => ({ value, text, checked: flags.includes(value) })),
    });
  }

  r.get('/cases/new', page, (req, res) => {
    const kinds = writableKinds(req);
    if (!kinds.length)
      return forbidden(
        res,
        `Registering cases is for the roles ${PERMISSIONS.caseWrite.join(', ')}; you are signed in as ${req.user!.role}.`,
      );
    const kind = typeof req.query.kind === 'string' ? req.query.kind : kinds.length === 1 ? kinds[0] : undefined;
    if (kind && (CASE_KINDS as readonly string[]).includes(kind)) {
      if (!canWriteKind(req, kind as CaseKind))
        return forbidden(
          res,
          `Only ${CASE_WRITERS[kind as CaseKind].join(', ')} may register ${kind} cases; you are signed in as ${req.user!.role}.`,
        );
      return renderNewCase(req, res, kind as CaseKind, {});
    }
    render(res, 'staff/case-kind.njk', {
      title: 'What are you registering?',
      navCurrent: 'new',
      kindItems: kinds.map((k) => ({
        value: k,
        text: k === 'application' ? 'A planning application' : 'An enforcement case (an alleged breach)',
      })),
      error: req.query.choose === '1' ? 'Select what you are registering' : undefined,
    });
  });

  r.post('/cases/new', page, async (req, res) => {
    const body = (req.body ?? {}) as FormValues;
    const kind = str(body.kind) as CaseKind;
    if (!(CASE_KINDS as readonly string[]).includes(kind)) return res.redirect(303, '/cases/new');
    if (!canWriteKind(req, kind))
      return forbidden(
        res,
        `Only ${CASE_WRITERS[kind].join(', ')} may register ${kind} cases; you are signed in as ${req.user!.role}.`,
      );
    const { input, errors, partyRoles } = caseFromForm(kind, body);
    const errorList: Array<{ field: string | null; text: string }> = [];
    const parsed = CreateCase.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = fieldOf(issue.path, partyRoles);
        // the form's own reading of the field (a date, a number) said it better
        if (errors[field] || errorList.some((e) => e.field === field)) continue;
        if ((field === 'receivedDate' || field === 'validDate') && !str(body[`${field}-day`])) continue;
        errorList.push({ field, text: friendly(field, issue) });
      }
    }
    const order = ['applicationType', 'breachType', 'reference', 'receivedDate', 'validDate', 'description'];
    const own = Object.entries(errors).map(([field, text]) => ({ field, text }));
    const all = [...own, ...errorList].sort(
      (a, b) => (order.indexOf(a.field!) + 1 || 99) - (order.indexOf(b.field!) + 1 || 99),
    );
    if (all.length || !parsed.success) {
      res.status(400);
      return renderNewCase(req, res, kind, body, all);
    }
    try {
      const created = await cases.createCase(s, req.user!, parsed.data, req.requestId);
      res.redirect(303, `/cases/${created.id}?created=1`);
    } catch (e) {
      if (!isAppError(e) || e.status >= 500 || e.status === 403) throw e;
      res.status(e.status);
      renderNewCase(req, res, kind, body, errorsOfAppError(e, partyRoles));
    }
  });

  r.get('/cases/:id', page, async (req, res) => {
    const id = Number(req.params.id);
    if (!/^\d{1,9}$/.test(String(req.params.id)) || !id)
      throw new AppError('CASE_NOT_FOUND', `There is no case with id ${String(req.params.id)}.`, { id: req.params.id });
    const c = await cases.getCase(s, req.user!, id);
    const checks = await listStoredChecks(ctx.db, ctx.authorityId, id);
    const check = checks[0] ? await getStoredCheck(ctx.db, ctx.authorityId, id, checks[0].id) : null;
    const runs = await listRuns(ctx.db, ctx.authorityId, id);
    const run = runs[0] ? await getRun(ctx.db, ctx.authorityId, id, runs[0].id) : null;
    const documents = (await listDocuments(docs, id)).items;
    const partyReader = has(req, 'partyRead');
    const pub = c.publicity && 'windows' in c.publicity ? c.publicity : null;
    const windows = pub?.windows;
    const lastWindowDay = windows?.byKind.length
      ? windows.byKind
          .map((w) => w.lastDay)
          .sort()
          .at(-1)!
      : null;
    const keyDates = [
      { label: 'Received', value: longDate(c.receivedDate) },
      ...(c.kind === 'application'
        ? [
            { label: 'Valid', value: longDate(c.validDate) || 'Not valid yet' },
            {
              label: 'Consultation ends',
              value: lastWindowDay
                ? longDate(lastWindowDay) + (windows!.earliestDecisionDate ? '' : ' at the earliest')
                : 'No publicity recorded yet',
            },
            {
              label: 'Earliest decision',
              value: windows?.earliestDecisionDate
                ? longDate(windows.earliestDecisionDate)
                : windows?.earliestDecisionDateAtLeast
                  ? `Not before ${longDate(windows.earliestDecisionDateAtLeast)}`
                  : 'Not known until publicity is recorded',
            },
            {
              label: 'Target',
              value: c.effectiveTargetDate
                ? longDate(c.effectiveTargetDate) + (c.extensionsOfTime.length ? ' (extension of time agreed)' : '')
                : pub?.determination?.effectiveDate
                  ? `${longDate(pub.determination.effectiveDate)} (${pub.determination.periodLabel ?? 'statutory period'} from the valid date)`
                  : 'Starts when the application is valid',
            },
          ]
        : [{ label: 'Target', value: longDate(c.effectiveTargetDate) || 'None set' }]),
      {
        label: 'Decision',
        value: c.decision
          ? `${humanise(c.decision)}, ${longDate(c.decisionDate)}` +
            (c.kind === 'application' && c.decisionMaker
              ? c.decisionMaker === 'committee'
                ? ' (by the planning committee)'
                : ' (delegated)'
              : '')
          : 'Not decided',
      },
    ];
    // open the map where the case is (its site, or its location, with room around it); else on the authority
    const [place] = await casePlaces(ctx.db, ctx.authorityId, [c.id]);
    const extent = place
      ? around(place.bbox ?? [place.x, place.y, place.x, place.y])
      : await authorityExtent(ctx.db, ctx.authorityId);
    render(res, 'staff/case.njk', {
      title: `${c.reference}`,
      mapExtent: extent ? extent.join(',') : '',
      navCurrent: 'cases',
      c,
      created: req.query.created === '1',
      decided: req.query.decided === '1',
      keyDates,
      check,
      run,
      recipients: run?.recipients.slice(0, 200) ?? [],
      documents: documents.map((d) => ({ ...d, mayRead: partyReader || !d.personalData })),
      pub,
      partyReader,
      canWrite: canWriteKind(req, c.kind as CaseKind),
      comments: c.kind === 'application' ? await listCaseComments(ctx.db, ctx.authorityId, req.user!, id) : null,
    });
  });

  // ---- recording an application's decision (what the PS1/PS2 returns count): decision, date, who decided ----
  const DECISION_MAKER_TEXT: Record<string, string> = {
    delegated: 'An officer, under delegated powers',
    committee: 'The planning committee',
  };
  const caseIdOf = (req: Request) => {
    const id = Number(req.params.id);
    if (!/^\d{1,9}$/.test(String(req.params.id)) || !id)
      throw new AppError('CASE_NOT_FOUND', `There is no case with id ${String(req.params.id)}.`, { id: req.params.id });
    return id;
  };
  /** Runs a change; the refusal a person can act on (a 4xx but 403) comes back, anything else is thrown. */
  const refusalOf = async (change: () => Promise<unknown>): Promise<AppError | null> => {
    try {
      await change();
      return null;
    } catch (e) {
      if (!isAppError(e) || e.status >= 500 || e.status === 403) throw e;
      return e;
    }
  };
  const changedMeanwhile = (what: string) => ({
    field: null,
    text: `Someone else changed this case since you opened the form. It now shows the case as it is: check it and record ${what} again.`,
  });
  /** Application `id` for one of its recording forms; null (with the 403 page sent) for a role that may not. */
  const applicationToRecord = async (req: Request, res: Response, id: number, what: string) => {
    const c = await cases.getCase(s, req.user!, id);
    if (c.kind !== 'application')
      throw new AppError('NOT_FOUND', `Only a planning application has ${what} recorded here.`, { id });
    if (canWriteKind(req, 'application')) return c;
    forbidden(
      res,
      `Recording ${what} is for the roles ${CASE_WRITERS.application.join(', ')}; you are signed in as ${req.user!.role}.`,
    );
    return null;
  };
  /** The decision form for case `id`, with `values` (the form as sent, or the case as it is) and any errors. */
  const renderDecision = async (
    req: Request,
    res: Response,
    id: number,
    sent: FormValues | null,
    errors: Array<{ field: string | null; text: string }> = [],
  ) => {
    const c = await applicationToRecord(req, res, id, 'a decision');
    if (!c) return;
    const [y, m, d] = (c.decisionDate ?? '').split('-');
    const values: FormValues = sent ?? {
      decision: c.decision ?? '',
      'decisionDate-day': d ? String(Number(d)) : '',
      'decisionDate-month': m ? String(Number(m)) : '',
      'decisionDate-year': y ?? '',
      decisionMaker: c.decisionMaker ?? '',
      decisionOverrideReason: c.decisionOverrideReason ?? '',
    };
    const pub = c.publicity && 'windows' in c.publicity ? c.publicity : null;
    const earliest = pub?.windows?.earliestDecisionDate ?? null;
    const chosen = str(values.decision);
    const maker = str(values.decisionMaker);
    const fieldErrors = Object.fromEntries(errors.filter((e) => e.field).map((e) => [e.field, e.text]));
    render(res, 'staff/case-decision.njk', {
      title: c.decision ? 'Change the decision' : 'Record the decision',
      navCurrent: 'cases',
      c,
      version: sent ? str(sent.version) || String(c.version) : String(c.version),
      values,
      earliest: earliest ? longDate(earliest) : null,
      errors: errors.map((e) => ({
        text: e.text,
        href: `#${e.field === 'decisionDate' ? 'decisionDate-day' : e.field === 'decisionMaker' ? 'decisionMaker' : (e.field ?? 'decision')}`,
      })),
      fieldErrors,
      decisionItems: [
        { value: '', text: 'Not decided yet', selected: !chosen },
        ...decisionsFor(c.applicationType ?? '').map((v) => ({ value: v, text: humanise(v), selected: v === chosen })),
      ],
      decisionMakerItems: [
        ...DECISION_MAKERS.map((v) => ({ value: v, text: DECISION_MAKER_TEXT[v], checked: v === maker })),
        { value: '', text: 'Not recorded', checked: !maker },
      ],
    });
  };

  r.get('/cases/:id/decision', page, async (req, res) => {
    await renderDecision(req, res, caseIdOf(req), null);
  });

  r.post('/cases/:id/decision', page, async (req, res) => {
    const id = caseIdOf(req);
    const body = (req.body ?? {}) as FormValues;
    const own: FieldErrors = {};
    const decision = str(body.decision) || null;
    const decisionDate = dateField(
      body,
      'decisionDate',
      own,
      decision ? 'Enter the date of the decision' : null,
      'The date of the decision',
    );
    if (!decision && decisionDate) own.decision = 'Select the decision, or clear the date';
    const maker = str(body.decisionMaker) || null;
    if (maker && !(DECISION_MAKERS as readonly string[]).includes(maker)) own.decisionMaker = 'Select who decided it';
    const reason = str(body.decisionOverrideReason) || null;
    if (reason && reason.length > 2000) own.decisionOverrideReason = 'The reason must be 2,000 characters or fewer';
    const version = Number(str(body.version));
    const fail = async (
      status: number,
      errors: Array<{ field: string | null; text: string }>,
      sent: FormValues | null = body,
    ) => {
      res.status(status);
      await renderDecision(req, res, id, sent, errors);
    };
    if (Object.keys(own).length)
      return fail(
        400,
        Object.entries(own).map(([field, text]) => ({ field, text })),
      );
    if (!Number.isInteger(version) || version < 1)
      return fail(400, [
        { field: null, text: 'The form is out of date: open the case again and record the decision.' },
      ]);
    const current = await cases.getCase(s, req.user!, id);
    // the status follows the decision: decided (or withdrawn); taking a decision away leaves it awaiting one
    const status = decision
      ? decision === 'withdrawn'
        ? 'withdrawn'
        : 'decided'
      : ['decided', 'withdrawn'].includes(current.status)
        ? 'awaiting-decision'
        : undefined;
    const patch = UpdateCase.parse({
      decision,
      decisionDate: decisionDate ?? null,
      decisionMaker: maker,
      decisionOverrideReason: decision ? reason : null,
      ...(status ? { status } : {}),
    });
    const e = await refusalOf(() => cases.updateCase(s, req.user!, id, patch, version, req.requestId));
    if (e) {
      const details = (e.details ?? {}) as { earliestDecisionDate?: string; allowed?: string[] };
      // the form again with the case as it is now, and why
      if (e.code === 'VERSION_CONFLICT') return fail(409, [changedMeanwhile('the decision')], null);
      if (e.code === 'DECISION_NOT_FOR_TYPE')
        return fail(e.status, [
          {
            field: 'decision',
            text: `${humanise(decision ?? '')} is not a decision for this type of application: choose one of ${(details.allowed ?? []).map(humanise).join(', ')}`,
          },
        ]);
      if (e.code === 'DECISION_DATE_IN_FUTURE')
        return fail(e.status, [
          { field: 'decisionDate', text: 'The date of the decision must be today or in the past' },
        ]);
      if (e.code === 'DECISION_BEFORE_EARLIEST_DATE')
        return fail(e.status, [
          {
            field: 'decisionDate',
            text: `The date is before the earliest decision date, ${longDate(details.earliestDecisionDate ?? null)}: date it on or after then, or say below why it may be decided earlier`,
          },
        ]);
      return fail(e.status, [{ field: null, text: e.message }]);
    }
    res.redirect(303, `/cases/${id}?decided=1`);
  });

  // ---- time agreed (extensions of time, a planning performance agreement) and appeals: what PS2 and the quality
  // measure count, recorded from the case page ----
  const APPEAL_TYPE_TEXT: Record<string, string> = {
    refusal: 'a refusal',
    conditions: 'conditions',
    'non-determination': 'non-determination (no decision in time)',
  };
  const renderAgreements = async (
    req: Request,
    res: Response,
    id: number,
    sent: FormValues | null,
    errors: Array<{ field: string | null; text: string }> = [],
  ) => {
    const c = await applicationToRecord(req, res, id, 'time agreed and appeals');
    if (!c) return;
    const values: FormValues = sent ?? {};
    const fieldErrors = Object.fromEntries(errors.filter((e) => e.field).map((e) => [e.field, e.text]));
    const appeals = (c.appeals ?? []) as Array<{
      lodgedOn: string;
      type: string;
      decidedOn?: string | null;
      outcome?: string | null;
    }>;
    render(res, 'staff/case-agreements.njk', {
      title: 'Time agreed and appeals',
      navCurrent: 'cases',
      savedText: res.locals.savedText ?? null,
      c,
      version: String(c.version),
      values,
      fieldErrors,
      errors: errors.map((e) => ({
        text: e.text,
        href: `#${e.field && /(On|Target)(-\d+)?$/.test(e.field) ? `${e.field}-day` : e.field === 'appealType' ? 'appealType' : (e.field ?? 'main-content')}`,
      })),
      extensionRows: c.extensionsOfTime.map((e: { agreedOn: string; newTargetDate: string; reason?: string }) => ({
        key: { text: `Agreed ${longDate(e.agreedOn)}` },
        value: { text: `Decision by ${longDate(e.newTargetDate)}${e.reason ? ` (${e.reason})` : ''}` },
      })),
      appeals: appeals.map((a, i) => ({
        ...a,
        typeText: APPEAL_TYPE_TEXT[a.type] ?? humanise(a.type),
        outcomeItems: [
          { value: '', text: 'Choose the outcome' },
          ...APPEAL_OUTCOMES.map((o) => ({
            value: o,
            text: humanise(o),
            selected: str(values[`appealOutcome-${i}`]) === o,
          })),
        ],
      })),
      appealTypeItems: APPEAL_TYPES.map((v) => ({
        value: v,
        text: `Against ${APPEAL_TYPE_TEXT[v]}`,
        checked: str(values.appealType) === v,
      })),
    });
  };

  const SAVED_TEXT: Record<string, string> = {
    extension: 'The extension of time was added.',
    ppa: 'The planning performance agreement was saved.',
    appeal: 'The appeal was added.',
    'appeal-outcome': 'The appeal decision was recorded.',
  };
  r.get('/cases/:id/agreements', page, async (req, res) => {
    res.locals.savedText = SAVED_TEXT[String(req.query.saved ?? '')] ?? null;
    await renderAgreements(req, res, caseIdOf(req), null);
  });

  r.post('/cases/:id/agreements', page, async (req, res) => {
    const id = caseIdOf(req);
    const body = (req.body ?? {}) as FormValues;
    const action = str(body.action);
    const version = Number(str(body.version));
    const own: FieldErrors = {};
    const fail = async (
      status: number,
      errors: Array<{ field: string | null; text: string }>,
      sent: FormValues | null = body,
    ) => {
      res.status(status);
      await renderAgreements(req, res, id, sent, errors);
    };
    if (!Number.isInteger(version) || version < 1)
      return fail(400, [{ field: null, text: 'The form is out of date: open the case again.' }]);
    const current = await cases.getCase(s, req.user!, id);
    if (current.kind !== 'application') return renderAgreements(req, res, id, null);
    const appeals = [...((current.appeals ?? []) as Array<Record<string, unknown>>)];
    let patch: Record<string, unknown>;
    // the field a service refusal of this action belongs beside
    let near = 'main-content';
    if (action === 'extension') {
      const agreedOn = dateField(
        body,
        'extAgreedOn',
        own,
        'Enter the date the extension was agreed',
        'The date agreed',
      );
      const newTargetDate = dateField(body, 'extNewTarget', own, 'Enter the new date for the decision', 'The new date');
      const reason = str(body.extReason);
      if (reason.length > 500) own.extReason = 'The reason must be 500 characters or fewer';
      if (agreedOn && newTargetDate && newTargetDate < agreedOn)
        own.extNewTarget = 'The new date for the decision must be on or after the date agreed';
      patch = {
        extensionsOfTime: [...current.extensionsOfTime, { agreedOn, newTargetDate, ...(reason ? { reason } : {}) }],
      };
      near = 'extAgreedOn';
    } else if (action === 'ppa') {
      if (str(body.remove) === 'yes') patch = { ppa: null };
      else {
        const agreedOn = dateField(body, 'ppaAgreedOn', own, 'Enter the date the agreement was made', 'The date made');
        const targetDate = dateField(body, 'ppaTarget', own, 'Enter the date the decision is agreed by', 'The date');
        if (agreedOn && targetDate && targetDate < agreedOn)
          own.ppaTarget = 'The date the decision is agreed by must be on or after the date the agreement was made';
        patch = { ppa: { agreedOn, targetDate } };
      }
      near = 'ppaAgreedOn';
    } else if (action === 'appeal') {
      const lodgedOn = dateField(
        body,
        'appealLodgedOn',
        own,
        'Enter the date the appeal was lodged',
        'The date lodged',
      );
      const type = str(body.appealType);
      if (!(APPEAL_TYPES as readonly string[]).includes(type)) own.appealType = 'Select what the appeal is against';
      if (appeals.length >= 20) own.appealType = 'A case holds at most 20 appeals';
      patch = { appeals: [...appeals, { lodgedOn, type }] };
      near = 'appealLodgedOn';
    } else if (action === 'appeal-outcome') {
      const i = Number(str(body.appeal));
      if (!Number.isInteger(i) || !appeals[i] || appeals[i]!.decidedOn)
        return fail(
          409,
          [
            {
              field: null,
              text: 'That appeal is not waiting for a decision any more: the page now shows it as it is.',
            },
          ],
          null,
        );
      const decidedOn = dateField(
        body,
        `appealDecidedOn-${i}`,
        own,
        'Enter the date of the appeal decision',
        'The date',
      );
      const outcome = str(body[`appealOutcome-${i}`]);
      if (!(APPEAL_OUTCOMES as readonly string[]).includes(outcome)) own[`appealOutcome-${i}`] = 'Select the outcome';
      if (decidedOn && decidedOn < String(appeals[i]!.lodgedOn))
        own[`appealDecidedOn-${i}`] =
          `The appeal decision cannot be before the appeal was lodged (${longDate(String(appeals[i]!.lodgedOn))})`;
      appeals[i] = { ...appeals[i], decidedOn, outcome };
      patch = { appeals };
      near = `appealDecidedOn-${i}`;
    } else {
      return fail(400, [{ field: null, text: 'Choose what to record.' }]);
    }
    if (Object.keys(own).length)
      return fail(
        400,
        Object.entries(own).map(([field, text]) => ({ field, text })),
      );
    const parsed = UpdateCase.safeParse(patch);
    if (!parsed.success)
      return fail(
        400,
        parsed.error.issues.map((issue) => ({
          field: near,
          text: `${humanise(String(issue.path.at(-1) ?? 'value'))} ${issue.message}`,
        })),
      );
    const e = await refusalOf(() => cases.updateCase(s, req.user!, id, parsed.data, version, req.requestId));
    if (e) {
      if (e.code === 'VERSION_CONFLICT') return fail(409, [changedMeanwhile('this')], null);
      const issue = ((e.details ?? {}) as { issues?: Array<{ message: string }> }).issues?.[0];
      return fail(e.status, [{ field: near, text: issue ? `This ${issue.message}` : e.message }]);
    }
    res.redirect(303, `/cases/${id}/agreements?saved=${encodeURIComponent(action)}`);
  });

  r.get('/enforcement', page, async (req, res) => {
    const result = await cases.listCases(s, {
      kind: 'enforcement',
      sort: { by: 'receivedDate', order: 'desc' },
      limit: 200,
      offset: 0,
    });
    const open = result.items.filter((c) => !CLOSED_ENFORCEMENT.has(c.status));
    const extent = await authorityExtent(ctx.db, ctx.authorityId);
    const places = await casePlaces(
      ctx.db,
      ctx.authorityId,
      open.map((c) => c.id),
    );
    const refs = new Map(open.map((c) => [c.id, c]));
    render(res, 'staff/enforcement.njk', {
      title: 'Enforcement map',
      mapExtent: extent ? extent.join(',') : '',
      // the cases' points for the map (JSON in a data attribute: nunjucks escapes it)
      mapPlaces: JSON.stringify(
        places.map((p) => ({
          ...p,
          reference: refs.get(p.id)?.reference ?? '',
          label: refs.get(p.id)?.siteAddress ?? '',
        })),
      ),
      placedCount: places.length,
      navCurrent: 'enforcement',
      items: open,
      truncated: result.total > result.items.length,
      canWrite: canWriteKind(req, 'enforcement'),
    });
  });

  const layerAdmin = only('layerAdmin', 'The layers page');

  r.get('/layers', page, layerAdmin, async (req, res) => {
    const layers = await listLayers(ctx.db, undefined, { includeRetired: true });
    const extras = await layerExtras(ctx.db);
    render(res, 'staff/layers.njk', {
      title: 'Constraint layers',
      navCurrent: 'layers',
      retired: typeof req.query.retired === 'string' ? req.query.retired : undefined,
      layers: layers
        .map((l) => ({
          id: l.id,
          title: l.title,
          category: l.category,
          dataVersion: l.dataVersion,
          // the layer's ETag: an upload sends it in If-Match (a load made since by someone else answers 412)
          etag: `"v${l.definitionVersion}.${l.dataVersion}"`,
          featureCount: l.featureCount,
          loadedAt: l.loadedAt,
          retiredAt: l.retiredAt,
          retiredReason: l.retiredReason,
          ...(extras.get(l.id) ?? { coverageKm2: null, loadedBy: null, loadedByAt: null }),
        }))
        .map((l) => ({
          ...l,
          coverage:
            l.coverageKm2 === null
              ? 'None'
              : `${l.coverageKm2.toLocaleString('en-GB', { maximumFractionDigits: l.coverageKm2 < 1 ? 4 : 2 })} km²`,
        })),
    });
  });

  const RetireForm = z.object({ reason: z.string().trim().max(500).default(''), confirm: z.string().optional() });

  r.get('/layers/:id/retire', page, layerAdmin, async (req, res) => {
    const [layer] = await listLayers(ctx.db, [String(req.params.id)], { includeRetired: true });
    if (!layer) throw new AppError('LAYER_NOT_FOUND', `There is no layer "${String(req.params.id)}".`, {});
    render(res, 'staff/layer-retire.njk', {
      title: `Retire ${layer.title}`,
      navCurrent: 'layers',
      layer,
      fieldErrors: {},
    });
  });

  r.post('/layers/:id/retire', page, layerAdmin, async (req, res) => {
    const id = String(req.params.id);
    const [layer] = await listLayers(ctx.db, [id], { includeRetired: true });
    if (!layer) throw new AppError('LAYER_NOT_FOUND', `There is no layer "${id}".`, {});
    const form = RetireForm.parse(req.body ?? {});
    const fieldErrors: FieldErrors = {};
    if (!form.reason) fieldErrors.reason = 'Enter why the layer is retired';
    if (form.confirm !== 'yes') fieldErrors.confirm = 'Confirm that no new check should use this layer';
    if (Object.keys(fieldErrors).length) {
      res.status(400);
      return render(res, 'staff/layer-retire.njk', {
        title: `Retire ${layer.title}`,
        navCurrent: 'layers',
        layer,
        reason: form.reason,
        fieldErrors,
        errors: Object.entries(fieldErrors).map(([f, text]) => ({ text, href: `#${f}` })),
      });
    }
    await retireLayer(ctx.db, id, actorOf(req.user!), form.reason, req.requestId);
    res.redirect(303, `/layers?retired=${encodeURIComponent(id)}`);
  });

  // an error of a staff page is a page, not JSON (a case that does not exist, a layer already retired)
  const pageErrors: ErrorRequestHandler = (err, _req, res, next) => {
    if (!isAppError(err) || err.status >= 500) return next(err);
    res.status(err.status);
    render(res, 'staff/error.njk', {
      title: err.status === 404 ? 'Page not found' : 'There is a problem',
      heading: err.status === 404 ? 'Page not found' : 'There is a problem',
      text: err.message,
    });
  };
  r.use(['/cases', '/enforcement', '/layers'], pageErrors);
  return r;
}

/** A box with room around it for opening a map: half its size on each side, and at least 60 m. */
function around([x0, y0, x1, y1]: [number, number, number, number]): [number, number, number, number] {
  const m = Math.max(60, (x1 - x0) / 2, (y1 - y0) / 2);
  return [x0 - m, y0 - m, x1 + m, y1 + m].map((v) => Math.round(v * 100) / 100) as [number, number, number, number];
}
