/**
 * Letters and notices for a case: fill the authority's current template of the kind from the case, its publicity
 * dates, its neighbour run or the consultee named, render the map once, write one tagged PDF (one letter per
 * recipient for a neighbour run), store it with the case (with the template version it used) and audit it.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { APPLICATION_TYPES, CASE_WRITERS, PARTY_READERS, type Role } from '../../../shared/domain/cases.ts';
import {
  blocksToText,
  DECISION_WORDS,
  fillBody,
  fillTitle,
  hasMap,
  KIND_INFO,
  nest,
  NOT_KNOWN,
  todayInUk,
  ukDate,
  words,
  type DocumentKind,
  type ViewValue,
} from '../../../shared/domain/documents.ts';
import { addDays, representationWindows, type EventKind, type PublicityEvent } from '../../../shared/domain/publicity.ts';
import * as casesRepo from '../cases/repo.ts';
import { effectiveTargetDate } from '../cases/service.ts';
import { casePublicity } from '../publicity/service.ts';
import { addressBlock, getRun } from '../neighbours/service.ts';
import { renderMap, type RenderedMap } from '../../render/index.ts';
import { writePdf, type PdfSection } from '../../documents/pdf.ts';
import { currentTemplate } from './templates.ts';
import * as repo from './repo.ts';

export interface DocumentService {
  db: Knex;
  authorityId: number;
  mapMaxPixels: number;
}

export interface Consultee {
  name?: string;
  organisation: string;
  addressLines: string[];
  postcode?: string;
}

export interface CreateDocumentInput {
  kind: DocumentKind;
  runId?: number;
  date?: string;
  publicityDate?: string;
  consultee?: Consultee;
  conditions?: string[];
  reasons?: string[];
  withinM?: number;
  includeEnforcement?: boolean;
}

interface Caller {
  id: number;
  username: string;
  role: Role;
}

/** The publicity event a kind's comment period runs from (a consultee letter has its own 21 days). */
const EVENT_OF: Partial<Record<DocumentKind, EventKind>> = {
  'neighbour-letter': 'neighbour-letters',
  'site-notice': 'site-notice',
  'press-advert': 'press-advert',
};
/** Statutory consultees have 21 days to respond (DMPO 2015 art. 22; rules file [M]). */
const CONSULTEE_DAYS = 21;

const typeName = (ref: string | null) => APPLICATION_TYPES.find((t) => t.reference === ref)?.name ?? ref ?? '';
const wordsOrUnknown = (iso: string | null | undefined) => (iso ? ukDate(iso) : NOT_KNOWN);

type Flat = Record<string, ViewValue>;

async function publicityView(
  svc: DocumentService,
  c: casesRepo.CaseRow,
  kind: DocumentKind,
  publicityDate: string | undefined,
) {
  const pub = (await casePublicity(svc.db, svc.authorityId, c.id)) as Awaited<ReturnType<typeof casePublicity>> & {
    applies: true;
    publicity: { heritage: boolean; requirements: Array<{ kind: string; rule: string }> };
    events: Array<PublicityEvent & { eia: boolean | null }>;
    windows: {
      byKind: Array<{ kind: string; lastDay: string }>;
      events: Array<{ kind: string; windowDays: number; superseded: boolean }>;
    };
    earliestDecisionDate: string | null;
    triggers: Array<{ trigger: string }>;
  };
  const eia = (c.development as { eia?: unknown } | null)?.eia === true;
  const heritage = pub.publicity.heritage;
  const recorded: PublicityEvent[] = pub.events.map((e) => ({
    kind: e.kind,
    date: e.date,
    ...(e.eia !== null && e.eia !== undefined ? { eia: e.eia } : {}),
  }));
  const eventKind = EVENT_OF[kind];
  let windowDays = CONSULTEE_DAYS;
  let commentBy: string | null = null;
  let earliest: string | null = null;
  if (eventKind) {
    const probe = representationWindows([{ kind: eventKind, date: publicityDate ?? '2000-01-03' }], { eia, heritage });
    windowDays = probe.events[0]!.windowDays;
    if (publicityDate) {
      commentBy = probe.events[0]!.lastDay;
      earliest = representationWindows([...recorded, { kind: eventKind, date: publicityDate }], {
        eia,
        heritage,
      }).earliestDecisionDate;
    } else if (recorded.some((e) => e.kind === eventKind)) {
      // already recorded: the window that governs (a re-publicised one restarts it)
      commentBy = pub.windows.byKind.find((k) => k.kind === eventKind)?.lastDay ?? null;
      earliest = pub.earliestDecisionDate;
    }
    // otherwise this publicity has not happened yet: its end, and so the earliest decision date, are not known
  } else {
    commentBy = publicityDate ? addDays(publicityDate, CONSULTEE_DAYS - 1) : null;
    earliest = pub.earliestDecisionDate;
  }
  const flat: Flat = {
    'publicity.windowDays': String(windowDays),
    'publicity.date': wordsOrUnknown(publicityDate),
    'publicity.dateKnown': Boolean(publicityDate),
    'publicity.commentByDate': wordsOrUnknown(commentBy),
    'publicity.commentByKnown': commentBy !== null,
    'publicity.earliestDecisionDate': wordsOrUnknown(earliest),
    'publicity.earliestDecisionDateKnown': earliest !== null,
  };
  if (kind === 'press-advert') {
    const reasons = new Set<string>();
    for (const r of pub.publicity.requirements.filter((x) => x.kind === 'press-advert')) {
      if (r.rule === 'art15-1-eia') reasons.add('The application is accompanied by an environmental statement.');
      else if (r.rule === 'art15-2-departure') reasons.add('The proposal does not accord with the development plan.');
      else if (r.rule === 'art15-3-prow') reasons.add('The proposal affects a public right of way.');
      else if (r.rule === 'art15-4-major' || r.rule === 'sci-press-majors') reasons.add('It is a major development.');
      else if (r.rule === 'reg5-lbc') reasons.add('It is an application for listed building consent.');
      else if (r.rule === 'reg5a-overlay') {
        if (pub.triggers.some((t) => t.trigger === 'listed-building-setting'))
          reasons.add('The proposal may affect the setting of a listed building.');
        if (pub.triggers.some((t) => t.trigger === 'conservation-area'))
          reasons.add('The proposal may affect the character or appearance of a conservation area.');
      }
    }
    flat['advert.reasons'] = [...reasons];
    flat['advert.hasReasons'] = reasons.size > 0;
  }
  return {
    flat,
    details: { publicityDate: publicityDate ?? null, windowDays, commentBy, earliestDecisionDate: earliest },
  };
}

/** Free-text party address → lines (newlines or commas), with the postcode last. */
function partyLines(p: {
  name: string | null;
  organisation: string | null;
  address: string | null;
  postcode: string | null;
}): string[] {
  const lines = [p.name, p.organisation, ...(p.address ?? '').split(/\r?\n|,/)]
    .map((l) => (l ?? '').trim())
    .filter(Boolean);
  const pc = p.postcode?.trim().toUpperCase();
  if (pc && !lines.some((l) => l.toUpperCase() === pc)) lines.push(pc);
  return lines;
}

function fail(field: string, message: string): never {
  throw new AppError('VALIDATION_FAILED', `body.${field}: ${message}`, {
    issues: [{ path: `body.${field}`, message }],
  });
}

/** Fields that only some kinds take: refused elsewhere, so nothing given is silently ignored. */
function checkFields(input: CreateDocumentInput) {
  const only: Array<[keyof CreateDocumentInput, DocumentKind[]]> = [
    ['runId', ['neighbour-letter']],
    ['consultee', ['consultee-letter']],
    ['conditions', ['decision-notice']],
    ['reasons', ['decision-notice']],
    ['withinM', ['site-history']],
    ['includeEnforcement', ['site-history']],
    ['publicityDate', ['neighbour-letter', 'consultee-letter', 'site-notice', 'press-advert']],
  ];
  for (const [field, kinds] of only) {
    if (input[field] !== undefined && !kinds.includes(input.kind)) fail(field, `applies to ${kinds.join(', ')} only`);
  }
  if (input.kind === 'consultee-letter' && !input.consultee)
    fail('consultee', 'a consultee letter needs the consultee: { organisation, addressLines, name?, postcode? }');
}

const round = (v: number, dp: number) => Math.round(v * 10 ** dp) / 10 ** dp;

export async function createDocument(
  svc: DocumentService,
  user: Caller,
  caseId: number,
  input: CreateDocumentInput,
  requestId?: string,
) {
  const started = process.hrtime.bigint();
  checkFields(input);
  const c = await casesRepo.findCase(svc.db, svc.authorityId, caseId);
  if (!c) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${caseId}.`, { id: caseId });
  if (!CASE_WRITERS[c.kind].includes(user.role)) {
    throw new AppError(
      'FORBIDDEN',
      `Only ${CASE_WRITERS[c.kind].join(', ')} may produce documents for ${c.kind} cases; you are signed in as ${user.role}.`,
      {
        required: CASE_WRITERS[c.kind],
        role: user.role,
      },
    );
  }
  const kind = input.kind;
  const info = KIND_INFO[kind];
  if (info.applicationsOnly && c.kind !== 'application') {
    throw new AppError(
      'DOCUMENT_NOT_APPLICABLE',
      `A ${info.name.toLowerCase()} is for planning applications; case ${c.reference} is an enforcement case.`,
      { kind, caseKind: c.kind },
    );
  }
  if (kind === 'decision-notice' && (!c.decision || c.decision === 'withdrawn')) {
    throw new AppError(
      'NO_DECISION',
      c.decision === 'withdrawn'
        ? `Application ${c.reference} was withdrawn: there is no decision to give notice of.`
        : `Application ${c.reference} has no decision yet: record the decision (PATCH /api/cases/${caseId} with decision and decisionDate) first.`,
      { id: caseId, decision: c.decision },
    );
  }

  const template = await currentTemplate(svc.db, svc.authorityId, kind);
  const date = input.date ?? todayInUk();

  // the neighbour run: named, or the latest
  let run: Awaited<ReturnType<typeof getRun>> | null = null;
  if (kind === 'neighbour-letter') {
    const runId = input.runId ?? (await repo.latestRunId(svc.db, caseId));
    if (runId === undefined)
      throw new AppError(
        'NO_NEIGHBOUR_RUN',
        `Application ${c.reference} has no neighbour notification run yet: select the neighbours first (POST /api/cases/${caseId}/notification-runs).`,
        { id: caseId },
      );
    run = await getRun(svc.db, svc.authorityId, caseId, runId);
    if (!run.recipients.length)
      throw new AppError(
        'DOCUMENT_NOT_APPLICABLE',
        `Notification run ${run.id} has no recipients: there is nobody to write to.`,
        { runId: run.id },
      );
  }

  // the map, rendered once for the whole document
  let map: RenderedMap | null = null;
  if (hasMap(template.body)) {
    map = await renderMap(
      svc.db,
      svc.authorityId,
      info.map,
      { paper: 'A4', orientation: 'portrait', scale: 'fit', dpi: 150, format: 'png' },
      { kind: 'case', caseId, ...(run ? { runId: run.id } : {}) },
      svc.mapMaxPixels,
    );
    // the renderer's PNG has no alpha channel, so the PDF takes its compressed data as it is (no soft mask)
  }

  const authority = await repo.authorityName(svc.db, svc.authorityId);
  const officer = await repo.officerName(svc.db, c.officerId);
  const flat: Flat = {
    'authority.name': authority,
    'document.date': ukDate(date),
    'case.reference': c.reference,
    'case.address': c.siteAddress ?? (map ? 'the site shown on the map' : 'no address recorded'),
    'case.description': c.description,
    'case.applicationType': c.kind === 'application' ? typeName(c.applicationType) : 'Enforcement case',
    'case.receivedDate': ukDate(c.receivedDate),
    'case.validDate': c.validDate ? ukDate(c.validDate) : 'not valid yet',
    'case.officer': officer ?? 'the case officer',
    'case.targetDate': wordsOrUnknown(effectiveTargetDate(c)),
    'map.scale': map ? `1:${map.scale.toLocaleString('en-GB')}` : '',
    'map.description': map?.description ?? '',
  };
  const details: Record<string, unknown> = {
    date,
    map: map ? { template: info.map, scale: map.scale, dpi: map.dpi, runId: map.runId } : null,
  };
  let personalData = false;
  let letterAddress: string[] | undefined;

  if (EVENT_OF[kind] || kind === 'consultee-letter') {
    const p = await publicityView(svc, c, kind, input.publicityDate);
    Object.assign(flat, p.flat);
    Object.assign(details, p.details);
  }
  if (kind === 'consultee-letter') {
    const k = input.consultee!;
    flat['consultee.name'] = k.name ?? '';
    flat['consultee.organisation'] = k.organisation;
    letterAddress = [k.name ?? '', k.organisation, ...k.addressLines, k.postcode?.toUpperCase() ?? '']
      .map((l) => l.trim())
      .filter(Boolean);
    personalData = Boolean(k.name);
    details.consulteeOrganisation = k.organisation;
  }
  if (kind === 'decision-notice') {
    const d = DECISION_WORDS[c.decision!] ?? { outcome: words(c.decision!), granted: false, refused: false };
    const numbered = (list: string[] | undefined) => (list ?? []).map((text, i) => ({ number: String(i + 1), text }));
    const parties = await repo.partiesForNotice(svc.db, caseId);
    const applicant = parties.find((p) => p.role === 'applicant');
    const to = parties.find((p) => p.role === 'agent') ?? applicant;
    Object.assign(flat, {
      'applicant.name': applicant?.name?.trim() || applicant?.organisation?.trim() || 'the applicant',
      'decision.outcome': d.outcome,
      'decision.date': wordsOrUnknown(c.decisionDate),
      'decision.granted': d.granted,
      'decision.refused': d.refused,
      'decision.conditions': numbered(input.conditions),
      'decision.hasConditions': Boolean(input.conditions?.length),
      'decision.reasons': numbered(input.reasons),
      'decision.hasReasons': Boolean(input.reasons?.length),
    });
    if (to) letterAddress = partyLines(to);
    // the applicant's or agent's details: personal whenever there are any (a sole trader's firm is a person too)
    personalData = Boolean(applicant || to);
    details.conditions = input.conditions?.length ?? 0;
    details.reasons = input.reasons?.length ?? 0;
  }
  if (kind === 'site-history') {
    const withinM = input.withinM ?? 50;
    const includeEnforcement = input.includeEnforcement ?? false;
    if (!(await casesRepo.currentSiteSummary(svc.db, caseId))) {
      throw new AppError(
        'SITE_NOT_SET',
        `Case ${c.reference} has no site yet, so there is no planning history to find around it.`,
        { id: caseId },
      );
    }
    const nearby = (await casesRepo.nearbyCases(svc.db, caseId, withinM, 1000)).filter(
      (r) => includeEnforcement || r.kind === 'application',
    );
    const self =
      c.kind === 'application' || includeEnforcement
        ? [
            {
              reference: c.reference,
              kind: c.kind,
              application_type: c.applicationType,
              description: c.description,
              site_address: c.siteAddress,
              status: c.status,
              received_date: c.receivedDate,
              decision: c.decision,
              decision_date: c.decisionDate,
              relation: 'self' as const,
              distance_m: 0,
              overlap_m2: 0,
            },
          ]
        : [];
    const items = [...self, ...nearby].map((r) => ({
      reference: r.reference,
      address: r.site_address ?? 'no address recorded',
      description: r.description,
      type: r.kind === 'application' ? typeName(r.application_type) : 'Enforcement case',
      receivedDate: ukDate(r.received_date),
      decision: r.decision
        ? `${DECISION_WORDS[r.decision]?.outcome ?? words(r.decision)}${r.decision_date ? ` on ${ukDate(r.decision_date)}` : ''}`
        : `Not decided (${words(r.status)})`,
      relation:
        r.relation === 'self'
          ? 'This case'
          : r.relation === 'overlaps'
            ? `Overlaps the site (${round(r.overlap_m2, 1).toLocaleString('en-GB')} m² shared)`
            : r.relation === 'touches'
              ? 'Touches the site'
              : `${round(r.distance_m, 1).toLocaleString('en-GB')} m from the site`,
    }));
    Object.assign(flat, {
      'history.withinM': String(withinM),
      'history.count': String(items.length),
      'history.none': items.length === 0,
      'history.includesEnforcement': includeEnforcement,
      'history.items': items,
    });
    Object.assign(details, { withinM, includeEnforcement, cases: items.length });
  }

  // one section per letter (per recipient for a neighbour run), all from the same template version
  const sender = info.letter ? [authority, 'Planning service'] : undefined;
  const sections: PdfSection[] = [];
  if (run) {
    const n = run.recipients.length;
    for (const r of run.recipients) {
      const view = nest({
        ...flat,
        'recipient.address': addressBlock(r).slice(1).join(', '),
        'recipient.number': String(r.number),
        'run.recipientCount': String(n),
      });
      sections.push({
        sender,
        address: addressBlock(r),
        meta: [`Date: ${ukDate(date)}`, `Our reference: ${c.reference}`, `Address number ${r.number} of ${n}`],
        blocks: fillBody(template.body, view),
        footer: `${c.reference} · letter ${r.number} of ${n}`,
      });
    }
  } else {
    sections.push({
      sender,
      address: letterAddress,
      meta: info.letter ? [`Date: ${ukDate(date)}`, `Our reference: ${c.reference}`] : undefined,
      blocks: fillBody(template.body, nest(flat)),
      footer: `${authority} · ${c.reference}`,
    });
  }
  const title = fillTitle(template.title, nest(flat)) || `${info.name}: ${c.reference}`;
  const alt = map
    ? `${map.description} Printed on A4 paper at actual size, the map is at a scale of 1:${map.scale.toLocaleString('en-GB')}.`
    : '';
  const out = await writePdf({
    title,
    author: authority,
    subject: info.name,
    keywords: c.reference,
    style: info.style,
    sectionTags: Boolean(run),
    map: map ? { image: map.image, widthPx: map.widthPx, heightPx: map.heightPx, dpi: map.dpi, alt } : null,
    sections,
  });
  const sha256 = crypto.createHash('sha256').update(out.pdf).digest('hex');
  const text = kind === 'press-advert' ? blocksToText(sections[0]!.blocks) : null;
  details.ms = Math.round(Number(process.hrtime.bigint() - started) / 1e6);

  const actor: Actor = { id: user.id, username: user.username };
  const id = await svc.db.transaction(async (trx) => {
    const docId = await repo.insertDocument(trx, {
      caseId,
      kind,
      templateId: template.id,
      templateVersion: template.version,
      runId: run?.id ?? null,
      title,
      pdf: out.pdf,
      sha256,
      pages: out.pages,
      recipients: run ? run.recipients.length : info.letter ? 1 : null,
      personalData,
      text,
      details,
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
        title,
        templateId: template.id,
        templateVersion: template.version,
        runId: run?.id ?? null,
        pages: out.pages,
        bytes: out.pdf.length,
        sha256,
        recipients: run?.recipients.length ?? null,
        personalData,
      },
    });
    return docId;
  });
  return getDocument(svc, caseId, id);
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
