/**
 * Enforcement letters (issue 14 item 3): acknowledging a complaint, writing to the owner or occupier, the planning
 * contravention notice cover letter (s.171C TCPA 1990) and closing a case. Templates an admin edits (defaults in
 * server/documents/enforcement-templates/<kind>.md, versioned, audited, If-Match/version like the document
 * templates); each letter filled with the documents' renderer, written by the documents' PDF writer with the
 * authority's letterhead, stored with the case (with the template version it used) and audited in one transaction.
 *
 * Personal data: the complainant's name and address go only on letters to the complainant (their kinds alone have
 * the variables, and the address block is theirs only there); never in audit rows, titles or logs.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { repoRoot } from '../../config/index.ts';
import { AppError } from '../../../shared/errors.ts';
import { PARTY_READERS, type Role } from '../../../shared/domain/cases.ts';
import { fillBody, fillTitle, nest, todayInUk, ukDate, words } from '../../../shared/domain/documents.ts';
import {
  checkLetterTemplate,
  CLOSED_ENFORCEMENT_STATUSES,
  closureReason,
  ENFORCEMENT_LETTER_INFO,
  ENFORCEMENT_LETTER_KINDS,
  ENFORCEMENT_LETTER_VARIABLES,
  isEnforcementLetterKind,
  letterTitleVariables,
  letterVariableList,
  type EnforcementLetterKind,
} from '../../../shared/domain/enforcement-letters.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import * as casesRepo from '../cases/repo.ts';
import { getAuthorityDetails, officerContact, type AuthorityDetails } from '../authority/details.ts';
import { parseTemplateFile } from '../documents/templates.ts';
import { writePdf } from '../../documents/pdf.ts';
import * as repo from './repo.ts';

export const LETTER_TEMPLATES_DIR = path.join(repoRoot, 'server', 'documents', 'enforcement-templates');

type Tpl = { title: string; body: string };
let defaults: Record<EnforcementLetterKind, Tpl> | null = null;

/** The shipped defaults, checked once (a broken default is a programming error, not a user's). */
export function defaultLetterTemplates(): Record<EnforcementLetterKind, Tpl> {
  if (!defaults) {
    const out = {} as Record<EnforcementLetterKind, Tpl>;
    for (const kind of ENFORCEMENT_LETTER_KINDS) {
      const file = path.join(LETTER_TEMPLATES_DIR, `${kind}.md`);
      out[kind] = parseTemplateFile(fs.readFileSync(file, 'utf8'), file);
      const issues = checkLetterTemplate(kind, out[kind]);
      if (issues.length)
        throw new Error(`${file}: ${issues.map((i) => `${i.field} ${i.line}:${i.column} ${i.message}`).join('; ')}`);
    }
    defaults = out;
  }
  return defaults;
}

const ensured = new WeakMap<Knex, Set<number>>();

async function ensureDefaults(db: Knex, authorityId: number): Promise<void> {
  let done = ensured.get(db);
  if (done?.has(authorityId)) return;
  const d = defaultLetterTemplates();
  for (const kind of ENFORCEMENT_LETTER_KINDS)
    await repo.insertDefaultTemplate(db, authorityId, kind, d[kind].title, d[kind].body);
  if (!done) ensured.set(db, (done = new Set()));
  done.add(authorityId);
}

export function letterKindOf(raw: string | string[] | undefined): EnforcementLetterKind {
  const k = typeof raw === 'string' ? raw : '';
  if (!isEnforcementLetterKind(k))
    throw new AppError(
      'TEMPLATE_KIND_NOT_FOUND',
      `There is no kind of enforcement letter "${String(raw)}": the kinds are ${ENFORCEMENT_LETTER_KINDS.join(', ')}.`,
      { kinds: ENFORCEMENT_LETTER_KINDS },
    );
  return k;
}

const versionView = (t: repo.LetterTemplateRow) => ({
  id: t.id,
  version: t.version,
  title: t.title,
  body: t.body,
  createdBy: t.createdBy ?? 'Redline default',
  createdAt: t.createdAt,
});

export async function listLetterTemplates(db: Knex, authorityId: number) {
  await ensureDefaults(db, authorityId);
  return {
    items: (await repo.currentTemplates(db, authorityId)).map((t) => ({
      kind: t.kind,
      name: ENFORCEMENT_LETTER_INFO[t.kind as EnforcementLetterKind].name,
      version: t.version,
      title: t.title,
      updatedBy: t.createdBy ?? 'Redline default',
      updatedAt: t.createdAt,
    })),
  };
}

export async function getLetterTemplate(db: Knex, authorityId: number, kind: EnforcementLetterKind) {
  await ensureDefaults(db, authorityId);
  const versions = await repo.templateVersions(db, authorityId, kind);
  return {
    kind,
    name: ENFORCEMENT_LETTER_INFO[kind].name,
    to: ENFORCEMENT_LETTER_INFO[kind].to,
    current: versionView(versions[0]!),
    versions: versions.map(versionView),
    variables: letterVariableList(ENFORCEMENT_LETTER_VARIABLES[kind]),
    titleVariables: Object.keys(letterTitleVariables(kind)),
    default: defaultLetterTemplates()[kind],
  };
}

const sha256 = (s: string | Buffer) => crypto.createHash('sha256').update(s).digest('hex');

/** Saves a new version (unless nothing changed). `expectedVersion` (If-Match or body.version) is required. */
export async function saveLetterTemplate(
  db: Knex,
  authorityId: number,
  kind: EnforcementLetterKind,
  input: Tpl,
  expectedVersion: number | null,
  actor: Actor,
  requestId?: string,
) {
  const issues = checkLetterTemplate(kind, input);
  if (issues.length) {
    const first = issues[0]!;
    throw new AppError(
      'TEMPLATE_INVALID',
      `The ${first.field} of the template has a problem at line ${first.line}, column ${first.column}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}.`,
      {
        issues,
        variables: Object.keys(
          first.field === 'title' ? letterTitleVariables(kind) : ENFORCEMENT_LETTER_VARIABLES[kind],
        ),
      },
    );
  }
  await ensureDefaults(db, authorityId);
  const changed = await db.transaction(async (trx) => {
    await repo.lockTemplateKind(trx, authorityId, kind);
    const cur = (await repo.currentTemplate(trx, authorityId, kind))!;
    if (expectedVersion === null)
      throw new AppError(
        'PRECONDITION_REQUIRED',
        `Send the version you edited: an If-Match header with the template's ETag ("v${cur.version}") or "version" in the body.`,
        { currentVersion: cur.version },
      );
    if (expectedVersion !== cur.version)
      throw new AppError(
        'VERSION_CONFLICT',
        `The ${kind} letter template was changed since you read it (you edited version ${expectedVersion}, it is now version ${cur.version}). Reload it and make your change again.`,
        { expectedVersion, currentVersion: cur.version },
      );
    if (cur.title === input.title && cur.body === input.body) return false;
    const version = cur.version + 1;
    const id = await repo.insertTemplate(trx, {
      authorityId,
      kind,
      version,
      title: input.title,
      body: input.body,
      createdBy: actor.id,
    });
    await writeAudit(trx, {
      actor,
      action: 'enforcement-letter-template.update',
      entityType: 'enforcement_letter_template',
      entityId: id,
      requestId,
      before: { kind, version: cur.version, title: cur.title, bodySha256: sha256(cur.body) },
      after: { kind, version, title: input.title, bodySha256: sha256(input.body), bodyLength: input.body.length },
    });
    return true;
  });
  return { ...(await getLetterTemplate(db, authorityId, kind)), changed };
}

// ---------------------------------------------------------------------------------------------------------------
// Letters
// ---------------------------------------------------------------------------------------------------------------

export interface OwnerOccupier {
  name?: string;
  addressLines?: string[];
  postcode?: string;
}

export interface CreateLetterInput {
  kind: EnforcementLetterKind;
  /** a complainant's case_party id, or the owner or occupier's name and address */
  recipient?: number | OwnerOccupier;
  date?: string;
  reason?: string;
  replyBy?: string;
}

export interface LetterService {
  db: Knex;
  authorityId: number;
}

interface Caller {
  id: number;
  username: string;
  role: Role;
}

function fail(field: string, message: string): never {
  throw new AppError('VALIDATION_FAILED', `body.${field}: ${message}`, {
    issues: [{ path: `body.${field}`, message }],
  });
}

const addDays = (iso: string, days: number) => {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};
/** An address kept as one text ("1 High Street, London" or on several lines) as lines for the envelope window. */
const addressLines = (address: string | null | undefined) =>
  (address ?? '')
    .split(/\s*[,\n]\s*/)
    .map((s) => s.trim())
    .filter(Boolean);

/** How long an owner or occupier is given to get in touch when no date is given. */
export const OWNER_REPLY_DAYS = 14;

interface Recipient {
  kind: 'complainant' | 'owner-occupier';
  partyId: number | null;
  /** the envelope window */
  block: string[];
  flat: Record<string, string | boolean>;
  personalData: boolean;
}

async function complainantOf(svc: LetterService, c: casesRepo.CaseRow, recipient: CreateLetterInput['recipient']) {
  if (recipient !== undefined && typeof recipient !== 'number')
    fail('recipient', 'a letter to the complainant goes to one of the case’s complainants: give their party id');
  const all = await repo.partiesOfRole(svc.db, c.id, 'complainant');
  if (!all.length)
    throw new AppError(
      'NO_COMPLAINANT',
      `Enforcement case ${c.reference} has no complainant recorded: add the complainant to the case first (PATCH /api/cases/${c.id} with parties).`,
      { id: c.id },
    );
  if (recipient === undefined && all.length > 1)
    fail('recipient', `case ${c.reference} has ${all.length} complainants: give the party id of the one to write to`);
  const p = recipient === undefined ? all[0] : all.find((x) => x.id === recipient);
  if (!p) fail('recipient', `party ${recipient} is not a complainant of case ${c.reference}`);
  const who = p.name ?? p.organisation ?? 'Sir or Madam';
  const lines = addressLines(p.address);
  const block = [p.name, p.name ? null : p.organisation, ...lines, p.postcode].filter((s): s is string => !!s);
  return {
    kind: 'complainant' as const,
    partyId: p.id,
    block,
    flat: {
      'complainant.name': who,
      'complainant.address': [...lines, p.postcode].filter(Boolean).join(', '),
      'complainant.salutation': p.name ?? 'Sir or Madam',
      'complainant.named': Boolean(p.name),
    },
    personalData: true,
  };
}

function ownerOccupierOf(c: casesRepo.CaseRow, recipient: CreateLetterInput['recipient']): Recipient {
  if (typeof recipient === 'number')
    fail(
      'recipient',
      'a letter to the owner or occupier is not sent to a case party: give { name?, addressLines, postcode? }',
    );
  const name = recipient?.name;
  const lines = recipient?.addressLines?.length ? recipient.addressLines : addressLines(c.siteAddress);
  if (!lines.length)
    fail(
      'recipient.addressLines',
      `case ${c.reference} has no site address recorded: give the owner or occupier’s address`,
    );
  const postcode = recipient?.postcode;
  return {
    kind: 'owner-occupier',
    partyId: null,
    block: [name ?? 'The Owner or Occupier', ...lines, ...(postcode ? [postcode] : [])],
    flat: {
      'recipient.name': name ?? 'the Owner or Occupier',
      'recipient.address': [...lines, postcode].filter(Boolean).join(', '),
      'recipient.salutation': name ?? 'Sir or Madam',
      'recipient.named': Boolean(name),
    },
    // a named owner is a person's name (an owner or occupier unnamed is not)
    personalData: Boolean(name),
  };
}

/** The case, when letters may be written for it: an enforcement case of the authority. */
async function enforcementCase(svc: LetterService, caseId: number) {
  const c = await casesRepo.findCase(svc.db, svc.authorityId, caseId);
  if (!c) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${caseId}.`, { id: caseId });
  if (c.kind !== 'enforcement')
    throw new AppError(
      'ENFORCEMENT_ONLY',
      `Enforcement letters are for enforcement cases; case ${c.reference} is a planning application.`,
      { id: c.id, caseKind: c.kind },
    );
  return c;
}

/** The reason on a case-closed letter: the one given, else the case's own closure reason; refused when neither. */
function reasonFor(c: casesRepo.CaseRow, given: string | undefined): { reason: string; source: string } {
  if (given) return { reason: given, source: 'given' };
  const open = !(CLOSED_ENFORCEMENT_STATUSES as readonly string[]).includes(c.status);
  const own = open ? null : closureReason(c);
  if (own) return { reason: own, source: c.decision ? `decision:${c.decision}` : `status:${c.status}` };
  throw new AppError(
    'CLOSING_REASON_REQUIRED',
    open
      ? `Case ${c.reference} is still open (status ${words(c.status)}): give the reason for closing it ("reason"), or record its outcome first.`
      : `Case ${c.reference} is closed without a recorded outcome: give the reason for closing it ("reason").`,
    { id: c.id, status: c.status, decision: c.decision },
  );
}

function commonFlat(a: AuthorityDetails, officer: Awaited<ReturnType<typeof officerContact>>, c: casesRepo.CaseRow) {
  const address = [...a.addressLines, a.postcode].filter(Boolean).join(', ');
  return {
    'authority.name': a.name,
    'authority.address': address,
    'authority.addressKnown': Boolean(address),
    'authority.phone': a.phone ?? '',
    'authority.phoneKnown': Boolean(a.phone),
    'authority.email': a.email ?? '',
    'authority.emailKnown': Boolean(a.email),
    'authority.website': a.website ?? '',
    'authority.websiteKnown': Boolean(a.website),
    'officer.name': officer?.name ?? 'the enforcement officer',
    'officer.email': officer?.email ?? '',
    'officer.emailKnown': Boolean(officer?.email),
    'officer.phone': officer?.phone ?? '',
    'officer.phoneKnown': Boolean(officer?.phone),
    'case.reference': c.reference,
    'case.address': c.siteAddress ?? 'the land shown in our records',
    'case.description': c.description,
    'case.breach': c.breachType ? words(c.breachType) : 'not recorded',
    'case.receivedDate': ukDate(c.receivedDate),
  };
}

/** The letterhead (top right, above the date at 60 mm): the council, the service, its postal address and phone (the
 *  email address, often too long for the column, is in the letter's contact lines). */
function letterhead(a: AuthorityDetails): string[] {
  return [
    a.name,
    'Planning enforcement',
    ...a.addressLines.slice(0, 3),
    ...(a.postcode ? [a.postcode] : []),
    ...(a.phone ? [`Phone: ${a.phone}`] : []),
  ];
}

export async function createLetter(
  svc: LetterService,
  user: Caller,
  caseId: number,
  input: CreateLetterInput,
  requestId?: string,
) {
  const kind = input.kind;
  const info = ENFORCEMENT_LETTER_INFO[kind];
  if (input.reason !== undefined && kind !== 'case-closed') fail('reason', 'applies to case-closed letters only');
  if (input.replyBy !== undefined && !info.replyBy)
    fail(
      'replyBy',
      `applies to ${ENFORCEMENT_LETTER_KINDS.filter((k) => ENFORCEMENT_LETTER_INFO[k].replyBy).join(', ')} only`,
    );
  const c = await enforcementCase(svc, caseId);
  const date = input.date ?? todayInUk();
  const replyBy = input.replyBy ?? (kind === 'owner-occupier' ? addDays(date, OWNER_REPLY_DAYS) : undefined);
  if (replyBy !== undefined && replyBy <= date) fail('replyBy', `must be after the letter's date (${date})`);
  const closing = kind === 'case-closed' ? reasonFor(c, input.reason) : null;
  const recipient =
    info.to === 'complainant' ? await complainantOf(svc, c, input.recipient) : ownerOccupierOf(c, input.recipient);

  await ensureDefaults(svc.db, svc.authorityId);
  const template = (await repo.currentTemplate(svc.db, svc.authorityId, kind))!;
  const authority = await getAuthorityDetails(svc.db, svc.authorityId);
  const officer = await officerContact(svc.db, c.officerId);
  const flat: Record<string, string | boolean> = {
    ...commonFlat(authority, officer, c),
    'letter.date': ukDate(date),
    ...recipient.flat,
    ...(info.replyBy ? { 'reply.date': replyBy ? ukDate(replyBy) : '', 'reply.dateKnown': Boolean(replyBy) } : {}),
    ...(closing ? { 'closure.reason': closing.reason } : {}),
  };
  // the title from the title's own variables only (no person's name or address, whatever the template says)
  const titleView = nest(Object.fromEntries(Object.entries(flat).filter(([n]) => n in letterTitleVariables(kind))));
  const title = fillTitle(template.title, titleView) || `${info.name}: ${c.reference}`;
  const out = await writePdf({
    title,
    author: authority.name,
    subject: info.name,
    keywords: c.reference,
    style: 'letter',
    sectionTags: false,
    map: null,
    sections: [
      {
        sender: letterhead(authority),
        address: recipient.block,
        meta: [`Date: ${ukDate(date)}`, `Our reference: ${c.reference}`],
        blocks: fillBody(template.body, nest(flat)),
        footer: `${authority.name} · ${c.reference}`,
      },
    ],
  });
  const hash = sha256(out.pdf);
  const details = {
    date,
    ...(replyBy ? { replyBy } : {}),
    ...(closing ? { reasonSource: closing.source } : {}),
  };
  const actor: Actor = { id: user.id, username: user.username };
  const letterId = await svc.db.transaction(async (trx) => {
    const id = await repo.insertLetter(trx, {
      caseId: c.id,
      kind,
      templateId: template.id,
      templateVersion: template.version,
      recipientKind: recipient.kind,
      partyId: recipient.partyId,
      title,
      pdf: out.pdf,
      sha256: hash,
      pages: out.pages,
      personalData: recipient.personalData,
      details,
      createdBy: user.id,
    });
    // no names or addresses here: what was made, for which case, from which template, and its hash
    await writeAudit(trx, {
      actor,
      action: 'enforcement-letter.create',
      entityType: 'enforcement_letter',
      entityId: id,
      requestId,
      after: {
        caseId: c.id,
        kind,
        title,
        templateId: template.id,
        templateVersion: template.version,
        recipientKind: recipient.kind,
        partyId: recipient.partyId,
        pages: out.pages,
        bytes: out.pdf.length,
        sha256: hash,
        personalData: recipient.personalData,
        ...details,
      },
    });
    return id;
  });
  return getLetter(svc, c.id, letterId);
}

function letterView(l: repo.LetterRow) {
  return {
    id: l.id,
    caseId: l.caseId,
    kind: l.kind,
    name: ENFORCEMENT_LETTER_INFO[l.kind as EnforcementLetterKind]?.name ?? l.kind,
    title: l.title,
    recipientKind: l.recipientKind,
    templateId: l.templateId,
    templateVersion: l.templateVersion,
    pages: l.pages,
    bytes: l.bytes,
    sha256: l.sha256,
    personalData: l.personalData,
    details: l.details,
    createdBy: l.createdBy,
    createdAt: l.createdAt,
    pdf: `/api/cases/${l.caseId}/enforcement-letters/${l.id}.pdf`,
  };
}

async function assertCase(svc: LetterService, caseId: number) {
  if (!(await casesRepo.findCase(svc.db, svc.authorityId, caseId)))
    throw new AppError('CASE_NOT_FOUND', `There is no case with id ${caseId}.`, { id: caseId });
}

export async function listLetters(svc: LetterService, caseId: number) {
  await assertCase(svc, caseId);
  return { items: (await repo.listLetters(svc.db, svc.authorityId, caseId)).map(letterView) };
}

export async function getLetter(svc: LetterService, caseId: number, id: number) {
  const l = await repo.findLetter(svc.db, svc.authorityId, caseId, id);
  if (!l) {
    await assertCase(svc, caseId);
    throw new AppError('LETTER_NOT_FOUND', `Case ${caseId} has no enforcement letter ${id}.`, { caseId, id });
  }
  return letterView(l);
}

/** The stored PDF as produced. A letter naming a person is for the roles that see personal details. */
export async function getLetterPdf(svc: LetterService, role: Role, caseId: number, id: number) {
  const l = await repo.letterPdf(svc.db, svc.authorityId, caseId, id);
  if (!l) {
    await assertCase(svc, caseId);
    throw new AppError('LETTER_NOT_FOUND', `Case ${caseId} has no enforcement letter ${id}.`, { caseId, id });
  }
  if (l.personalData && !PARTY_READERS.includes(role))
    throw new AppError(
      'FORBIDDEN',
      `This letter names a person, so it is for the roles ${PARTY_READERS.join(', ')}; you are signed in as ${role}.`,
      { required: PARTY_READERS, role },
    );
  return l;
}
