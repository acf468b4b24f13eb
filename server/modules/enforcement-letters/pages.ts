/**
 * The staff page of an enforcement case's letters (linked from the case page): the letters produced, each PDF for
 * the roles that may read it, and a GOV.UK form to produce each kind (enforcement officers and admins). Works without
 * JavaScript; calls the service directly, like the other staff pages.
 *
 *   GET  /cases/:id/letters   the letters and the form
 *   POST /cases/:id/letters   produce one (303 back to the page; the form again with the error beside its field)
 */
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../http/context.ts';
import type { Views } from '../../http/views.ts';
import { AppError, isAppError } from '../../../shared/errors.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { PARTY_READERS } from '../../../shared/domain/cases.ts';
import {
  ENFORCEMENT_LETTER_INFO,
  ENFORCEMENT_LETTER_KINDS,
  isEnforcementLetterKind,
} from '../../../shared/domain/enforcement-letters.ts';
import { signedInPage } from '../staff/routes.ts';
import * as casesRepo from '../cases/repo.ts';
import { createLetter, listLetters, type CreateLetterInput, type LetterService } from './service.ts';

type Form = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

const dateTime = (d: Date | string) =>
  new Date(d).toLocaleString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  });

/** day, month and year fields as 'YYYY-MM-DD'; '' when all are empty; null when they are not a date. */
function dateOf(form: Form, name: string): string | null {
  const [d, m, y] = ['day', 'month', 'year'].map((p) => str(form[`${name}-${p}`]));
  if (!d && !m && !y) return '';
  if (!/^\d{1,2}$/.test(d!) || !/^\d{1,2}$/.test(m!) || !/^\d{4}$/.test(y!)) return null;
  const iso = `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}`;
  const t = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(t.getTime()) || !t.toISOString().startsWith(iso) ? null : iso;
}

/** The form as the service's input, or the errors beside their fields. */
function inputOf(form: Form): { input?: CreateLetterInput; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const kind = str(form.kind);
  if (!isEnforcementLetterKind(kind)) errors.kind = 'Select the letter to produce';
  const replyBy = dateOf(form, 'replyBy');
  if (replyBy === null) errors.replyBy = 'Reply by must be a real date, like 21 12 2026';
  const reason = str(form.reason);
  if (reason.length > 4000) errors.reason = 'The reason must be 4,000 characters or fewer';
  const lines = str(form.ownerAddress)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length > 6) errors.ownerAddress = 'Enter the address on 6 lines or fewer';
  if (lines.some((l) => l.length > 200)) errors.ownerAddress = 'Each address line must be 200 characters or fewer';
  const name = str(form.ownerName).slice(0, 200);
  const postcode = str(form.ownerPostcode);
  if (postcode && (postcode.length < 2 || postcode.length > 10)) errors.ownerPostcode = 'Enter a real postcode';
  if (Object.keys(errors).length || !isEnforcementLetterKind(kind)) return { errors };
  const info = ENFORCEMENT_LETTER_INFO[kind];
  const owner = info.to === 'owner-occupier';
  const input: CreateLetterInput = { kind };
  // fields only where the kind takes them (a reason typed and the kind then changed is not an error)
  if (kind === 'case-closed' && reason) input.reason = reason;
  if (info.replyBy && replyBy) input.replyBy = replyBy;
  if (owner && (name || lines.length || postcode))
    input.recipient = {
      ...(name ? { name } : {}),
      ...(lines.length ? { addressLines: lines } : {}),
      ...(postcode ? { postcode } : {}),
    };
  return { input, errors };
}

const FIELD_OF_CODE: Record<string, string> = {
  CLOSING_REASON_REQUIRED: 'reason',
  NO_COMPLAINANT: 'kind',
  ENFORCEMENT_ONLY: 'kind',
};
function fieldOfError(e: AppError): string {
  const path = ((e.details ?? {}) as { issues?: Array<{ path: string }> }).issues?.[0]?.path ?? '';
  if (path.startsWith('body.recipient')) return 'ownerAddress';
  if (path === 'body.replyBy') return 'replyBy';
  if (path === 'body.reason') return 'reason';
  return FIELD_OF_CODE[e.code] ?? 'kind';
}

export function enforcementLetterPages(ctx: AppContext, views: Views) {
  const r = Router();
  const svc: LetterService = { db: ctx.db, authorityId: ctx.authorityId };
  const page = signedInPage();
  const mayWrite = (req: Request) => (PERMISSIONS.enforcementLetterWrite as readonly string[]).includes(req.user!.role);

  async function caseOf(raw: unknown) {
    const id = Number(raw);
    const c = /^\d{1,9}$/.test(String(raw)) && id ? await casesRepo.findCase(ctx.db, ctx.authorityId, id) : undefined;
    if (!c) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${String(raw)}.`, { id: raw });
    return c;
  }

  async function show(
    req: Request,
    res: Response,
    c: casesRepo.CaseRow,
    form: Form = {},
    errors: Record<string, string> = {},
  ) {
    const partyReader = PARTY_READERS.includes(req.user!.role);
    const letters = c.kind === 'enforcement' ? (await listLetters(svc, c.id)).items : [];
    views.render(res, 'staff/enforcement-letters.njk', {
      title: `Letters: ${c.reference}`,
      c,
      letters: letters.map((l) => ({ ...l, mayRead: partyReader || !l.personalData, made: dateTime(l.createdAt) })),
      made: Number(req.query.made) || null,
      mayWrite: mayWrite(req) && c.kind === 'enforcement',
      kindItems: ENFORCEMENT_LETTER_KINDS.map((k) => ({
        value: k,
        text: ENFORCEMENT_LETTER_INFO[k].name,
        hint: {
          text:
            ENFORCEMENT_LETTER_INFO[k].to === 'complainant'
              ? 'To the complainant recorded on the case'
              : 'To the owner or occupier (at the site address unless you give one below)',
        },
        checked: str(form.kind) === k,
      })),
      form,
      fieldErrors: errors,
      errors: Object.entries(errors).map(([field, text]) => ({ text, href: `#${field}` })),
    });
  }

  r.get('/cases/:id/letters', page, async (req, res) => {
    await show(req, res, await caseOf(req.params.id));
  });

  r.post('/cases/:id/letters', page, async (req, res) => {
    const c = await caseOf(req.params.id);
    if (!mayWrite(req)) {
      res.status(403);
      return views.render(res, 'staff/error.njk', {
        title: 'You cannot do this',
        heading: 'You cannot do this',
        text: `Producing enforcement letters is for the roles ${PERMISSIONS.enforcementLetterWrite.join(', ')}; you are signed in as ${req.user!.role}.`,
      });
    }
    const form = (req.body ?? {}) as Form;
    const { input, errors } = inputOf(form);
    if (!input) {
      res.status(400);
      return show(req, res, c, form, errors);
    }
    try {
      const letter = await createLetter(svc, req.user!, c.id, input, req.requestId);
      res.redirect(303, `/cases/${c.id}/letters?made=${letter.id}#letters`);
    } catch (e) {
      if (!isAppError(e) || e.status >= 500 || e.status === 403 || e.code === 'CASE_NOT_FOUND') throw e;
      res.status(e.status);
      const text = e.message.replace(/^body\.[\w.]+: /, '');
      await show(req, res, c, form, { [fieldOfError(e)]: text.charAt(0).toUpperCase() + text.slice(1) });
    }
  });
  return r;
}
