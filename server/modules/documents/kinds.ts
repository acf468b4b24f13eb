/** The kinds of document as a table: for each, the body fields it takes, the publicity its comment period runs
 *  from, what refuses it, what it adds to the template's view (and to the stored details and the letter's address),
 *  whether it is one letter per recipient of a neighbour run and whether its plain text comes back. Its name, map,
 *  type sizes and whether it is a letter are shared/domain/documents.ts KIND_INFO; its wording is the authority's
 *  current template of the kind (templates.ts). */
import type { Knex } from 'knex';
import { AppError } from '../../../shared/errors.ts';
import {
  appealRights,
  decisionOutcome,
  DECISION_WORDS,
  words,
  type DocumentKind,
} from '../../../shared/domain/documents.ts';
import { officerContact } from '../authority/details.ts';
import type { EventKind } from '../../../shared/domain/publicity/index.ts';
import * as casesRepo from '../cases/repo.ts';
import type { EventInput } from '../publicity/service.ts';
import { advertView, historyItem, partyLines, selfRow, wordsOrUnknown, type CasePublicity, type Flat } from './view.ts';

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
  /** a decision notice's conditions, each with its reason (DMPO 2015 art. 35(1)(a)) */
  conditions?: Array<{ text: string; reason: string }>;
  reasons?: string[];
  informatives?: string[];
  /** the approved plans and documents, e.g. "Site location plan, drawing 101 rev A" */
  approvedPlans?: string[];
  /** who signs a decision notice (default: the user making it) */
  authorisedOfficer?: { name: string; position?: string };
  withinM?: number;
  includeEnforcement?: boolean;
  /** the publicity event this document gives notice of, recorded with it in one transaction */
  recordEvent?: Omit<EventInput, 'runId'>;
}

/** What a kind's gatherer is given. */
export interface KindContext {
  db: Knex;
  c: casesRepo.CaseRow;
  input: CreateDocumentInput;
  /** the case's publicity, for kinds that have publicity */
  publicity: CasePublicity | null;
  /** who is making the document (a decision notice's authorised officer, unless one is named) */
  user: { id: number; username: string };
}

/** What a kind adds: variables, stored details, the letter's address, and whether it names people. */
export interface KindData {
  flat: Flat;
  details?: Record<string, unknown>;
  letterAddress?: string[];
  personalData?: boolean;
}

export interface KindSpec {
  /** body fields only some kinds take, this one among them (refused for the others) */
  fields: Array<keyof CreateDocumentInput>;
  /** the publicity event its comment period runs from, a consultation's own 21 days, or none */
  publicity: EventKind | 'consultation' | null;
  /** refuses the document for the case before anything is made */
  refuse?: (c: casesRepo.CaseRow) => void;
  /** what it adds to the view (after the common and publicity variables) */
  gather?: (k: KindContext) => Promise<KindData> | KindData;
  /** one letter per recipient of a neighbour notification run (named, or the latest) */
  perRecipient: boolean;
  /** its plain text comes back with it (for the newspaper) */
  plainText: boolean;
}

/** The body fields that only some kinds take, in the order they are checked. */
export const KIND_FIELDS: Array<keyof CreateDocumentInput> = [
  'runId',
  'consultee',
  'conditions',
  'reasons',
  'informatives',
  'approvedPlans',
  'authorisedOfficer',
  'withinM',
  'includeEnforcement',
  'publicityDate',
  'recordEvent',
];

function consulteeData({ input }: KindContext): KindData {
  const k = input.consultee!;
  return {
    flat: { 'consultee.name': k.name ?? '', 'consultee.organisation': k.organisation },
    letterAddress: [k.name ?? '', k.organisation, ...k.addressLines, k.postcode?.toUpperCase() ?? '']
      .map((l) => l.trim())
      .filter(Boolean),
    personalData: Boolean(k.name),
    details: { consulteeOrganisation: k.organisation },
  };
}

function refuseWithoutDecision(c: casesRepo.CaseRow): void {
  if (c.decision && c.decision !== 'withdrawn') return;
  throw new AppError(
    'NO_DECISION',
    c.decision === 'withdrawn'
      ? `Application ${c.reference} was withdrawn: there is no decision to give notice of.`
      : `Application ${c.reference} has no decision yet: record the decision (PATCH /api/cases/${c.id} with decision and decisionDate) first.`,
    { id: c.id, decision: c.decision },
  );
}

async function decisionData({ db, c, input, user }: KindContext): Promise<KindData> {
  const d = DECISION_WORDS[c.decision!] ?? { outcome: words(c.decision!), granted: false, refused: false };
  const numbered = (list: string[] | undefined) => (list ?? []).map((text, i) => ({ number: String(i + 1), text }));
  const parties = (await casesRepo.listParties(db, c.id)).filter((p) => p.role === 'applicant' || p.role === 'agent');
  const applicant = parties.find((p) => p.role === 'applicant');
  // it goes to the agent, else the applicant
  const to = parties.find((p) => p.role === 'agent') ?? applicant;
  const conditions = input.conditions ?? [];
  const appeal = appealRights(c.decision!, c.applicationType, conditions.length > 0);
  const signer = input.authorisedOfficer ?? {
    name: (await officerContact(db, user.id))?.name ?? user.username,
    position: undefined,
  };
  const flat: Flat = {
    'applicant.name': applicant?.name?.trim() || applicant?.organisation?.trim() || 'the applicant',
    'decision.outcome': decisionOutcome(c.decision!, c.applicationType),
    'decision.date': wordsOrUnknown(c.decisionDate),
    'decision.granted': d.granted,
    'decision.refused': d.refused,
    'decision.conditions': conditions.map((k, i) => ({ number: String(i + 1), text: k.text, reason: k.reason })),
    'decision.hasConditions': conditions.length > 0,
    'decision.reasons': numbered(input.reasons),
    'decision.hasReasons': Boolean(input.reasons?.length),
    'decision.informatives': numbered(input.informatives),
    'decision.hasInformatives': Boolean(input.informatives?.length),
    'decision.approvedPlans': input.approvedPlans ?? [],
    'decision.hasApprovedPlans': Boolean(input.approvedPlans?.length),
    'decision.appealable': appeal.appealable,
    'decision.appealAgainst': appeal.against,
    'decision.appealPeriodKnown': appeal.period !== null,
    'decision.appealPeriod': appeal.period ?? '',
    'decision.appealWhere': appeal.where,
    'decision.authorisedOfficer': signer.name,
    'decision.authorisedOfficerPosition': signer.position ?? `for and on behalf of the council`,
  };
  return {
    flat,
    letterAddress: to ? partyLines(to) : undefined,
    // the applicant's or agent's details: personal whenever there are any (a sole trader's firm is a person too)
    personalData: Boolean(applicant || to),
    details: {
      conditions: conditions.length,
      reasons: input.reasons?.length ?? 0,
      informatives: input.informatives?.length ?? 0,
      approvedPlans: input.approvedPlans?.length ?? 0,
      appealPeriod: appeal.appealable ? appeal.period : null,
    },
  };
}

/** The cases a site history lists, in its order (the case itself first, when listed; then nearest first): the map
 *  draws the others' sites with the same numbers. */
export async function historyCases(db: Knex, c: casesRepo.CaseRow, input: CreateDocumentInput) {
  const withinM = input.withinM ?? 50;
  const includeEnforcement = input.includeEnforcement ?? false;
  if (!(await casesRepo.currentSiteSummary(db, c.id))) {
    throw new AppError(
      'SITE_NOT_SET',
      `Case ${c.reference} has no site yet, so there is no planning history to find around it.`,
      { id: c.id },
    );
  }
  const nearby = (await casesRepo.nearbyCases(db, c.id, withinM, 1000)).filter(
    (r) => includeEnforcement || r.kind === 'application',
  );
  const self = c.kind === 'application' || includeEnforcement;
  const first = self ? 2 : 1;
  return {
    withinM,
    includeEnforcement,
    self,
    nearby,
    numbered: nearby.map((r, i) => ({ number: first + i, caseId: Number(r.case_id) })),
  };
}

async function historyData({ db, c, input }: KindContext): Promise<KindData> {
  const { withinM, includeEnforcement, self, nearby } = await historyCases(db, c, input);
  const items = [...(self ? [selfRow(c)] : []), ...nearby].map((r, i) => ({
    number: String(i + 1),
    ...historyItem(r),
  }));
  const flat: Flat = {
    'history.withinM': String(withinM),
    'history.count': String(items.length),
    'history.none': items.length === 0,
    'history.includesEnforcement': includeEnforcement,
    'history.items': items,
  };
  return { flat, details: { withinM, includeEnforcement, cases: items.length } };
}

export const KINDS: Record<DocumentKind, KindSpec> = {
  'neighbour-letter': {
    fields: ['runId', 'publicityDate', 'recordEvent'],
    publicity: 'neighbour-letters',
    perRecipient: true,
    plainText: false,
  },
  'consultee-letter': {
    fields: ['consultee', 'publicityDate'],
    publicity: 'consultation',
    gather: consulteeData,
    perRecipient: false,
    plainText: false,
  },
  'site-notice': {
    fields: ['publicityDate', 'recordEvent'],
    publicity: 'site-notice',
    perRecipient: false,
    plainText: false,
  },
  'press-advert': {
    fields: ['publicityDate', 'recordEvent'],
    publicity: 'press-advert',
    gather: ({ publicity }) => ({ flat: advertView(publicity!) }),
    perRecipient: false,
    plainText: true,
  },
  'decision-notice': {
    fields: ['conditions', 'reasons', 'informatives', 'approvedPlans', 'authorisedOfficer'],
    publicity: null,
    refuse: refuseWithoutDecision,
    gather: decisionData,
    perRecipient: false,
    plainText: false,
  },
  'site-history': {
    fields: ['withinM', 'includeEnforcement'],
    publicity: null,
    gather: historyData,
    perRecipient: false,
    plainText: false,
  },
};
