/**
 * The public planning register's pages (no account; complete without JavaScript; client/src/register/main.ts adds
 * the map): /register (search, results list beside a map of the same results), /register/near-me,
 * /register/applications/:slug (and its decision notice PDF), /register/lists/weekly and /register/lists/monthly.
 * They read through ./service.ts from the public views only.
 */
import { Router, type Response } from 'express';
import type { AppContext } from '../../http/context.ts';
import type { Views } from '../../http/views.ts';
import { AppError } from '../../../shared/errors.ts';
import { APPLICATION_DECISIONS, APPLICATION_STATUSES, APPLICATION_TYPES } from '../../../shared/domain/cases.ts';
import { KIND_LABEL, distanceText, formatDate, humanise, statusColour } from './labels.ts';
import { readDbOf } from './api.ts';
import * as register from './service.ts';

type Query = Record<string, unknown>;

/** The form's own values (as typed) for redisplay. */
function formValues(query: Query) {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) if (typeof v === 'string') out[k] = v;
  return out;
}

function problems(err: unknown): Array<{ text: string; href: string }> {
  if (err instanceof AppError && err.code === 'VALIDATION_FAILED') {
    const issues = ((err.details as { issues?: Array<{ path: string; message: string }> } | undefined)?.issues ?? [
      { path: 'query.q', message: err.message },
    ]) as Array<{ path: string; message: string }>;
    return issues.map((i) => {
      const field = i.path.replace(/^query\.?/, '') || 'q';
      return { text: field === 'near' ? i.message : `${humanise(field)}: ${i.message}`, href: `#${field}` };
    });
  }
  throw err;
}

const TYPE_ITEMS = APPLICATION_TYPES.filter((t) => t.parent === null || t.parent === undefined).map((t) => ({
  value: t.reference,
  text: t.name,
}));

function selectItems(values: readonly string[], selected: string | undefined, anyText: string) {
  return [
    { value: '', text: anyText, selected: !selected },
    ...values.map((v) => ({ value: v, text: humanise(v), selected: v === selected })),
  ];
}

function renderPublic(views: Views, res: Response, template: string, data: Record<string, unknown>) {
  // public pages never show the staff navigation, whoever is signed in
  views.render(
    res,
    template,
    {
      ...data,
      user: null,
      formatDate,
      humanise,
      statusColour,
      distanceText,
      KIND_LABEL,
      totalText: register.totalText,
    },
    'register',
  );
}

export function registerPageRoutes(ctx: AppContext, views: Views) {
  const r = Router();

  r.get('/register', async (req, res) => {
    const values = formValues(req.query as Query);
    const parsed = register.SearchQuery.safeParse(req.query);
    let errors: Array<{ text: string; href: string }> = [];
    let found: Awaited<ReturnType<typeof register.search>> | null = null;
    if (!parsed.success) {
      errors = parsed.error.issues.map((i) => ({
        text: `${humanise(String(i.path[0] ?? 'search'))}: ${i.message}`,
        href: `#${String(i.path[0] ?? 'q')}`,
      }));
    } else {
      try {
        found = await register.search(readDbOf(ctx), ctx.authorityId, parsed.data);
      } catch (e) {
        errors = problems(e);
      }
    }
    if (errors.length) res.status(400);
    const q = parsed.success ? parsed.data : {};
    const pages = found ? Math.max(1, Math.ceil(found.total / found.pageSize)) : 1;
    renderPublic(views, res, 'register/search.njk', {
      title: 'Search planning applications',
      values,
      errors,
      found,
      pages,
      shownTo: found ? Math.min(found.page * found.pageSize, found.total) : 0,
      pagination: found ? pagination('/register', values, found.page, pages, found.totalIsLowerBound) : null,
      typeItems: [
        { value: '', text: 'Any type', selected: !values.type },
        ...TYPE_ITEMS.map((t) => ({ ...t, selected: t.value === values.type })),
      ],
      statusItems: selectItems(APPLICATION_STATUSES, values.status, 'Any status'),
      decisionItems: selectItems(APPLICATION_DECISIONS, values.decision, 'Any decision'),
      sortItems: sortItems(values.sort ?? found?.sort, false),
      geojsonUrl: register.searchHref('/api/public/applications.geojson', { ...values, crs: undefined }),
      sortHref: (s: string) => register.searchHref('/register', values, { sort: s, page: undefined }),
      q,
    });
  });

  r.get('/register/near-me', async (req, res) => {
    const values = formValues(req.query as Query);
    const parsed = register.SearchQuery.safeParse(req.query);
    let errors: Array<{ text: string; href: string }> = [];
    let found: Awaited<ReturnType<typeof register.search>> | null = null;
    let enforcement: Awaited<ReturnType<typeof register.enforcementNear>> = [];
    const asked = Boolean(values.near || (values.lat && values.lon));
    if (!parsed.success) {
      errors = parsed.error.issues.map((i) => ({
        text: `${humanise(String(i.path[0] ?? 'near'))}: ${i.message}`,
        href: `#${String(i.path[0] ?? 'near')}`,
      }));
    } else if (asked) {
      try {
        found = await register.search(readDbOf(ctx), ctx.authorityId, {
          ...parsed.data,
          radius: parsed.data.radius ?? 500,
        });
        if (found.near) enforcement = await register.enforcementNear(readDbOf(ctx), ctx.authorityId, found.near);
      } catch (e) {
        errors = problems(e);
      }
    }
    if (errors.length) res.status(400);
    const pages = found ? Math.max(1, Math.ceil(found.total / found.pageSize)) : 1;
    const radius = values.radius ?? '500';
    renderPublic(views, res, 'register/near-me.njk', {
      title: 'Planning applications near you',
      values,
      errors,
      found,
      enforcement,
      pagination: found ? pagination('/register/near-me', values, found.page, pages, found.totalIsLowerBound) : null,
      radiusItems: register.RADII.map((m) => ({
        value: String(m),
        text: m >= 1000 ? `${m / 1000} km` : `${m} metres`,
        selected: String(m) === radius,
      })),
      geojsonUrl: found ? register.searchHref('/api/public/applications.geojson', { ...values, crs: undefined }) : null,
    });
  });

  r.get('/register/applications/:slug', async (req, res) => {
    const slug = String(req.params.slug);
    if (!/^[A-Za-z0-9-]{1,64}$/.test(slug)) throw new AppError('NOT_FOUND', 'There is no such application.', {});
    const app = await register.application(readDbOf(ctx), ctx.authorityId, slug);
    const today = new Date().toISOString().slice(0, 10);
    const open =
      !app.decision && (app.consultationEndDate ? app.consultationEndDate >= today : app.status === 'consultation');
    renderPublic(views, res, 'register/application.njk', {
      title: `${app.reference}: ${app.siteAddress ?? 'planning application'}`,
      app,
      commentOpen: open,
      constraintGroups: groupConstraints(app.constraints.layers),
    });
  });

  r.get('/register/applications/:slug/decision-notice.pdf', async (req, res) => {
    const slug = String(req.params.slug);
    if (!/^[A-Za-z0-9-]{1,64}$/.test(slug)) throw new AppError('NOT_FOUND', 'There is no such application.', {});
    const doc = await register.decisionNoticePdf(readDbOf(ctx), ctx.authorityId, slug);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.setHeader('ETag', `"${doc.sha256}"`);
    res.setHeader('Content-Disposition', `inline; filename="${slug}-decision-notice.pdf"`);
    if (req.get('if-none-match') === `"${doc.sha256}"`) {
      res.status(304).end();
      return;
    }
    res.type('application/pdf').send(doc.pdf);
  });

  r.get('/register/lists/weekly', async (req, res) => {
    const w = register.weekOf(typeof req.query.week === 'string' ? req.query.week : undefined);
    const lists = await register.periodList(readDbOf(ctx), ctx.authorityId, w.from, w.to);
    renderPublic(views, res, 'register/list.njk', {
      title: `Weekly list: ${formatDate(w.from)} to ${formatDate(w.to)}`,
      period: 'week',
      lists,
      prev: { href: `/register/lists/weekly?week=${w.prev}`, text: 'Previous week' },
      next: { href: `/register/lists/weekly?week=${w.next}`, text: 'Next week' },
      other: { href: `/register/lists/monthly?month=${w.from.slice(0, 7)}`, text: 'Monthly list' },
    });
  });

  r.get('/register/lists/monthly', async (req, res) => {
    const m = register.monthOf(typeof req.query.month === 'string' ? req.query.month : undefined);
    const lists = await register.periodList(readDbOf(ctx), ctx.authorityId, m.from, m.to);
    const name = new Date(m.from + 'T00:00:00Z').toLocaleDateString('en-GB', {
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    });
    renderPublic(views, res, 'register/list.njk', {
      title: `Monthly list: ${name}`,
      period: 'month',
      lists,
      prev: { href: `/register/lists/monthly?month=${m.prev}`, text: 'Previous month' },
      next: { href: `/register/lists/monthly?month=${m.next}`, text: 'Next month' },
      other: { href: `/register/lists/weekly?week=${m.from}`, text: 'Weekly list' },
    });
  });

  return r;
}

function sortItems(selected: string | undefined, near: boolean) {
  const all = [
    { value: 'received-desc', text: 'Newest received first' },
    { value: 'received-asc', text: 'Oldest received first' },
    { value: 'decided-desc', text: 'Most recently decided first' },
    { value: 'reference', text: 'Reference' },
    ...(near ? [{ value: 'distance', text: 'Nearest first' }] : []),
  ];
  return all.map((s) => ({ ...s, selected: s.value === selected }));
}

/** GOV.UK pagination; `openEnded` (the count stopped at the cap): the last page is not known, so it is not shown. */
function pagination(base: string, values: Record<string, string>, page: number, pages: number, openEnded = false) {
  if (pages <= 1) return null;
  const href = (p: number) => register.searchHref(base, values, { page: p });
  const shown = [...new Set([1, page - 1, page, page + 1, ...(openEnded ? [] : [pages])])]
    .filter((p) => p >= 1 && p <= pages)
    .sort((a, b) => a - b);
  const items: Array<Record<string, unknown>> = [];
  let last = 0;
  for (const p of shown) {
    if (p - last > 1) items.push({ ellipsis: true });
    items.push({ number: p, href: href(p), current: p === page });
    last = p;
  }
  return {
    items,
    ...(page > 1 ? { previous: { href: href(page - 1) } } : {}),
    ...(page < pages ? { next: { href: href(page + 1) } } : {}),
  };
}

const STATUS_WORDS: Record<string, string> = {
  constraint: 'Affects the site',
  clear: 'Does not affect the site',
  unknown: 'Not known (data missing or not checked)',
};

function groupConstraints(layers: Array<{ title: string; category: string; status: string }>) {
  const order = ['constraint', 'unknown', 'clear'];
  return order
    .map((status) => ({
      status,
      heading: STATUS_WORDS[status]!,
      layers: layers.filter((l) => l.status === status).map((l) => l.title),
    }))
    .filter((g) => g.layers.length);
}
