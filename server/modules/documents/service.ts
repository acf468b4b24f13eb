/**
 * Letters and notices for a case: fill the authority's current template of the kind from the case, its publicity
 * dates, its neighbour run or the consultee named, render the map once, write one tagged PDF (one letter per
 * recipient for a neighbour run), store it with the case (with the template version it used) and audit it.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { CASE_WRITERS, PARTY_READERS, type Role } from '../../../shared/domain/cases.ts';
import {
  blocksToText,
  DOCUMENT_KINDS,
  fillBody,
  fillTitle,
  hasMap,
  KIND_INFO,
  nest,
  todayInUk,
  ukDate,
  type DocumentKind,
} from '../../../shared/domain/documents.ts';
import * as casesRepo from '../cases/repo.ts';
import {
  casePublicity,
  resolveEventFields,
  storeEvent,
  type EventKindName,
  type PublicityEventView,
} from '../publicity/service.ts';
import type { EventFields } from '../publicity/repo.ts';
import { addressBlock, getRun, type Recipient } from '../neighbours/service.ts';
import { renderMap, type MapLog, type RenderedMap } from '../maps/service.ts';
import { writePdf, type PdfSection } from '../../documents/pdf.ts';
import { currentTemplate } from './templates.ts';
import { historyCases, KIND_FIELDS, KINDS, type CreateDocumentInput } from './kinds.ts';
import { commonView, publicityView, type CasePublicity, type Flat } from './view.ts';
import * as repo from './repo.ts';
import type { TemplateRow } from './repo.ts';
import { getAuthorityDetails, officerContact, type AuthorityDetails } from '../authority/details.ts';

interface LogoImage {
  png: Buffer;
  widthPx: number;
  heightPx: number;
  alt: string;
}

const logoCache = new Map<string, LogoImage>();

/** The logo as the PDF embeds it: a PNG (an SVG drawn by sharp at 600 px wide), cached by its bytes. */
async function logoImage(a: AuthorityDetails): Promise<LogoImage | null> {
  if (!a.logo) return null;
  const key = crypto.createHash('sha256').update(a.logo.data).update(a.name).digest('hex');
  const hit = logoCache.get(key);
  if (hit) return hit;
  const { default: sharp } = await import('sharp');
  const img = a.logo.mediaType === 'image/svg+xml' ? sharp(a.logo.data, { density: 300 }) : sharp(a.logo.data);
  const { data, info } = await img
    .resize({ width: 600, height: 600, fit: 'inside', withoutEnlargement: a.logo.mediaType === 'image/png' })
    .png()
    .toBuffer({ resolveWithObject: true });
  const out = { png: data, widthPx: info.width, heightPx: info.height, alt: `${a.name} logo` };
  if (logoCache.size > 20) logoCache.clear();
  logoCache.set(key, out);
  return out;
}

export interface DocumentService {
  db: Knex;
  authorityId: number;
  mapMaxPixels: number;
  /** where the map logs what it draws around (the app's logger) */
  log?: MapLog;
}

export type { Consultee, CreateDocumentInput } from './kinds.ts';

interface Caller {
  id: number;
  username: string;
  role: Role;
}

type Run = Awaited<ReturnType<typeof getRun>>;

/** A document on its way: the case, the template version, the run and map, and what the template is filled from. */
interface Draft {
  kind: DocumentKind;
  c: casesRepo.CaseRow;
  date: string;
  template: TemplateRow;
  run: Run | null;
  map: RenderedMap | null;
  authority: string;
  /** the authority's logo as a PNG, at the top of every letter and notice */
  logo: LogoImage | null;
  flat: Flat;
  details: Record<string, unknown>;
  letterAddress?: string[];
  personalData: boolean;
}

interface Written {
  title: string;
  pdf: Buffer;
  pages: number;
  sha256: string;
  text: string | null;
}

function fail(field: string, message: string): never {
  throw new AppError('VALIDATION_FAILED', `body.${field}: ${message}`, {
    issues: [{ path: `body.${field}`, message }],
  });
}

/** Fields that only some kinds take: refused elsewhere, so nothing given is silently ignored. */
function checkFields(input: CreateDocumentInput) {
  for (const field of KIND_FIELDS) {
    const kinds = DOCUMENT_KINDS.filter((k) => KINDS[k].fields.includes(field));
    if (input[field] !== undefined && !kinds.includes(input.kind)) fail(field, `applies to ${kinds.join(', ')} only`);
  }
  if (input.kind === 'consultee-letter' && !input.consultee)
    fail('consultee', 'a consultee letter needs the consultee: { organisation, addressLines, name?, postcode? }');
}

/** The case, when the caller may produce this kind of document for it. */
async function caseFor(svc: DocumentService, user: Caller, caseId: number, kind: DocumentKind) {
  const c = await casesRepo.findCase(svc.db, svc.authorityId, caseId);
  if (!c) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${caseId}.`, { id: caseId });
  if (!CASE_WRITERS[c.kind].includes(user.role)) {
    throw new AppError(
      'FORBIDDEN',
      `Only ${CASE_WRITERS[c.kind].join(', ')} may produce documents for ${c.kind} cases; you are signed in as ${user.role}.`,
      { required: CASE_WRITERS[c.kind], role: user.role },
    );
  }
  const info = KIND_INFO[kind];
  if (info.applicationsOnly && c.kind !== 'application') {
    throw new AppError(
      'DOCUMENT_NOT_APPLICABLE',
      `A ${info.name.toLowerCase()} is for planning applications; case ${c.reference} is an enforcement case.`,
      { kind, caseKind: c.kind },
    );
  }
  KINDS[kind].refuse?.(c);
  return c;
}

/** The neighbour run written to: named, or the latest; it needs recipients. */
async function neighbourRun(svc: DocumentService, c: casesRepo.CaseRow, runId: number | undefined): Promise<Run> {
  const id = runId ?? (await repo.latestRunId(svc.db, c.id));
  if (id === undefined)
    throw new AppError(
      'NO_NEIGHBOUR_RUN',
      `Application ${c.reference} has no neighbour notification run yet: select the neighbours first (POST /api/cases/${c.id}/notification-runs).`,
      { id: c.id },
    );
  const run = await getRun(svc.db, svc.authorityId, c.id, id);
  if (!run.recipients.length)
    throw new AppError(
      'DOCUMENT_NOT_APPLICABLE',
      `Notification run ${run.id} has no recipients: there is nobody to write to.`,
      { runId: run.id },
    );
  return run;
}

/** The map, rendered once for the whole document: A4 portrait (a notice's landscape), fitted, 150 dpi. */
async function documentMap(
  svc: DocumentService,
  kind: DocumentKind,
  c: casesRepo.CaseRow,
  run: Run | null,
  date: string,
  input: CreateDocumentInput,
) {
  // a site history draws every case it lists, numbered as listed
  const history = kind === 'site-history' ? (await historyCases(svc.db, c, input)).numbered : undefined;
  // the renderer's PNG has no alpha channel, so the PDF takes its compressed data as it is (no soft mask)
  return renderMap(
    svc.db,
    svc.authorityId,
    KIND_INFO[kind].map,
    // a notice's map shares its one page with the text (below it, reduced): landscape uses the page's width
    {
      paper: 'A4',
      orientation: KIND_INFO[kind].style === 'notice' ? 'landscape' : 'portrait',
      scale: 'fit',
      dpi: 150,
      format: 'png',
      // the copyright is dated the document's year, not the year it happens to be produced
      year: Number(date.slice(0, 4)),
    },
    { kind: 'case', caseId: c.id, ...(run ? { runId: run.id } : {}), ...(history?.length ? { history } : {}) },
    svc.mapMaxPixels,
    svc.log,
  );
}

/** What the template is filled from: the common variables, the publicity ones, then the kind's own. */
async function fill(
  svc: DocumentService,
  d: Pick<Draft, 'kind' | 'c' | 'date' | 'template' | 'run' | 'map'>,
  input: CreateDocumentInput,
  user: Caller,
): Promise<Draft> {
  const spec = KINDS[d.kind];
  const details = await getAuthorityDetails(svc.db, svc.authorityId);
  const authority = details.name;
  const officer = await officerContact(svc.db, d.c.officerId);
  const flat = commonView(d.c, { authority: details, officer, date: d.date, map: d.map });
  const map = d.map && { template: KIND_INFO[d.kind].map, scale: d.map.scale, dpi: d.map.dpi, runId: d.map.runId };
  const stored: Record<string, unknown> = { date: d.date, map };
  let publicity: CasePublicity | null = null;
  if (spec.publicity) {
    publicity = (await casePublicity(svc.db, svc.authorityId, d.c.id)) as CasePublicity;
    const p = publicityView(publicity, d.c, spec.publicity, input.publicityDate);
    Object.assign(flat, p.flat);
    Object.assign(stored, p.details);
  }
  const own = spec.gather ? await spec.gather({ db: svc.db, c: d.c, input, publicity, user }) : null;
  Object.assign(flat, own?.flat);
  Object.assign(stored, own?.details);
  const personalData = own?.personalData ?? false;
  const logo = await logoImage(details);
  return { ...d, authority, logo, flat, details: stored, letterAddress: own?.letterAddress, personalData };
}

/** One section per letter (per recipient for a neighbour run), all from the same template version. */
function sectionsOf(d: Draft): PdfSection[] {
  const info = KIND_INFO[d.kind];
  const { c, date, template, flat } = d;
  const sender = info.letter ? [d.authority, 'Planning service'] : undefined;
  if (!d.run) {
    return [
      {
        sender,
        address: d.letterAddress,
        meta: info.letter ? [`Date: ${ukDate(date)}`, `Our reference: ${c.reference}`] : undefined,
        blocks: fillBody(template.body, nest(flat)),
        footer: `${d.authority} · ${c.reference}`,
      },
    ];
  }
  const n = d.run.recipients.length;
  return d.run.recipients.map((r: Recipient) => ({
    sender,
    address: addressBlock(r),
    meta: [`Date: ${ukDate(date)}`, `Our reference: ${c.reference}`, `Address number ${r.number} of ${n}`],
    blocks: fillBody(
      template.body,
      nest({
        ...flat,
        'recipient.address': addressBlock(r).slice(1).join(', '),
        'recipient.number': String(r.number),
        'run.recipientCount': String(n),
      }),
    ),
    footer: `${c.reference} · letter ${r.number} of ${n}`,
  }));
}

/** The tagged PDF, its hash, and (for a press advert) its plain text. */
async function writeDocument(d: Draft): Promise<Written> {
  const info = KIND_INFO[d.kind];
  const sections = sectionsOf(d);
  const title = fillTitle(d.template.title, nest(d.flat)) || `${info.name}: ${d.c.reference}`;
  const { map } = d;
  const alt = map
    ? info.style === 'notice'
      ? `${map.description} Reduced to fit the notice: its scale bar shows distances.`
      : `${map.description} Printed on A4 paper at actual size, the map is at a scale of 1:${map.scale.toLocaleString('en-GB')}.`
    : '';
  const out = await writePdf({
    title,
    author: d.authority,
    subject: info.name,
    keywords: d.c.reference,
    style: info.style,
    sectionTags: Boolean(d.run),
    map: map ? { image: map.image, widthPx: map.widthPx, heightPx: map.heightPx, dpi: map.dpi, alt } : null,
    logo: d.logo ? { image: d.logo.png, widthPx: d.logo.widthPx, heightPx: d.logo.heightPx, alt: d.logo.alt } : null,
    mapInline: info.style === 'notice',
    sections,
  });
  const sha256 = crypto.createHash('sha256').update(out.pdf).digest('hex');
  const text = KINDS[d.kind].plainText ? blocksToText(sections[0]!.blocks) : null;
  return { title, pdf: out.pdf, pages: out.pages, sha256, text };
}

/** The publicity event to record with the document, checked before anything is made (`recordEvent`: its kind is
 *  the document's, a neighbour letter's run is the document's, and the document's comment period runs from it). */
async function eventToRecord(
  svc: DocumentService,
  c: casesRepo.CaseRow,
  input: CreateDocumentInput,
  run: Run | null,
): Promise<{ kind: EventKindName; fields: EventFields } | null> {
  if (!input.recordEvent) return null;
  if (input.publicityDate !== undefined && input.publicityDate !== input.recordEvent.date)
    fail('publicityDate', 'differs from recordEvent.date: the comment period runs from the event recorded (give one)');
  const kind = KINDS[input.kind].publicity as EventKindName;
  const f = { ...input.recordEvent, ...(run ? { runId: run.id } : {}) };
  return { kind, fields: await resolveEventFields(svc.db, svc.authorityId, c, kind, f, 'body.recordEvent') };
}

/** Stores the document (and the publicity event recorded with it) and audits them, in one transaction. */
async function storeDocument(
  svc: DocumentService,
  user: Caller,
  d: Draft,
  w: Written,
  event: { kind: EventKindName; fields: EventFields } | null,
  requestId?: string,
): Promise<{ docId: number; event: PublicityEventView | null }> {
  const { kind, run, template, personalData } = d;
  const caseId = d.c.id;
  const actor: Actor = { id: user.id, username: user.username };
  return svc.db.transaction(async (trx) => {
    const docId = await repo.insertDocument(trx, {
      caseId,
      kind,
      templateId: template.id,
      templateVersion: template.version,
      runId: run?.id ?? null,
      title: w.title,
      pdf: w.pdf,
      sha256: w.sha256,
      pages: w.pages,
      recipients: run ? run.recipients.length : KIND_INFO[kind].letter ? 1 : null,
      personalData,
      text: w.text,
      details: d.details,
      createdBy: user.id,
    });
    // no names or addresses here: the audit row says what was made, from what, and its hash
    await writeAudit(trx, {
      actor,
      action: 'document.create',
      entityType: 'document',
      entityId: docId,
      requestId,
      after: {
        caseId,
        kind,
        title: w.title,
        templateId: template.id,
        templateVersion: template.version,
        runId: run?.id ?? null,
        pages: w.pages,
        bytes: w.pdf.length,
        sha256: w.sha256,
        recipients: run?.recipients.length ?? null,
        personalData,
      },
    });
    const recorded = event
      ? await storeEvent(trx, { caseId, kind: event.kind, fields: event.fields, documentId: docId }, actor, requestId)
      : null;
    return { docId, event: recorded };
  });
}

export async function createDocument(
  svc: DocumentService,
  user: Caller,
  caseId: number,
  input: CreateDocumentInput,
  requestId?: string,
) {
  const started = process.hrtime.bigint();
  checkFields(input);
  const kind = input.kind;
  const c = await caseFor(svc, user, caseId, kind);
  const template = await currentTemplate(svc.db, svc.authorityId, kind);
  const date = input.date ?? todayInUk();
  const run = KINDS[kind].perRecipient ? await neighbourRun(svc, c, input.runId) : null;
  const event = await eventToRecord(svc, c, input, run);
  const map = hasMap(template.body) ? await documentMap(svc, kind, c, run, date, input) : null;
  // the document's comment period runs from the event recorded with it
  const filled = event ? { ...input, publicityDate: event.fields.date } : input;
  const draft = await fill(svc, { kind, c, date, template, run, map }, filled, user);
  const written = await writeDocument(draft);
  draft.details.ms = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  const stored = await storeDocument(svc, user, draft, written, event, requestId);
  const doc = await getDocument(svc, caseId, stored.docId);
  return stored.event ? { ...doc, publicityEvent: stored.event } : doc;
}

function documentView(d: repo.DocumentRow, withText: boolean) {
  return {
    id: d.id,
    caseId: d.caseId,
    kind: d.kind,
    title: d.title,
    templateId: d.templateId,
    templateVersion: d.templateVersion,
    runId: d.runId,
    pages: d.pages,
    bytes: d.bytes,
    sha256: d.sha256,
    recipients: d.recipients,
    personalData: d.personalData,
    details: d.details,
    createdBy: d.createdBy,
    createdAt: d.createdAt,
    pdf: `/api/cases/${d.caseId}/documents/${d.id}/pdf`,
    ...(withText && d.text !== null ? { text: d.text } : {}),
  };
}

async function assertCase(svc: DocumentService, caseId: number) {
  if (!(await casesRepo.findCase(svc.db, svc.authorityId, caseId)))
    throw new AppError('CASE_NOT_FOUND', `There is no case with id ${caseId}.`, { id: caseId });
}

export async function listDocuments(svc: DocumentService, caseId: number) {
  await assertCase(svc, caseId);
  return { items: (await repo.listDocuments(svc.db, svc.authorityId, caseId)).map((d) => documentView(d, false)) };
}

export async function getDocument(svc: DocumentService, caseId: number, id: number) {
  const d = await repo.findDocument(svc.db, svc.authorityId, caseId, id);
  if (!d) {
    await assertCase(svc, caseId);
    throw new AppError('DOCUMENT_NOT_FOUND', `Case ${caseId} has no document ${id}.`, { caseId, id });
  }
  return documentView(d, true);
}

/** The stored PDF, as produced. A document naming people (applicant, consultee) is for the roles that see personal details. */
export async function getDocumentPdf(svc: DocumentService, role: Role, caseId: number, id: number) {
  const d = await repo.documentPdf(svc.db, svc.authorityId, caseId, id);
  if (!d) {
    await assertCase(svc, caseId);
    throw new AppError('DOCUMENT_NOT_FOUND', `Case ${caseId} has no document ${id}.`, { caseId, id });
  }
  if (d.personalData && !PARTY_READERS.includes(role)) {
    throw new AppError(
      'FORBIDDEN',
      `This document names people, so it is for the roles ${PARTY_READERS.join(', ')}; you are signed in as ${role}.`,
      { required: PARTY_READERS, role },
    );
  }
  return d;
}
