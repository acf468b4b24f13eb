/**
 * Enforcement letters (pure): the kinds, who each is written to, the variables each kind's template may use, and
 * template checking (Mustache syntax, unknown names, flags used as values, with line and column). Filling and the
 * block syntax are the documents' own (shared/domain/documents.ts: fillBody, fillTitle).
 *
 * Personal data: the complainant's name and address are variables of the letters to the complainant only
 * (acknowledgement, case closed); the letter to the owner or occupier and the planning contravention notice cover
 * letter have no complainant variables at all, so no template an admin writes can put them there. No title may use
 * a person's name or address (titles are listed and audited for every staff role).
 */
import Mustache from 'mustache';

export const ENFORCEMENT_LETTER_KINDS = [
  'complaint-acknowledgement',
  'owner-occupier',
  'pcn-cover',
  'case-closed',
] as const;
export type EnforcementLetterKind = (typeof ENFORCEMENT_LETTER_KINDS)[number];
export const isEnforcementLetterKind = (k: string): k is EnforcementLetterKind =>
  (ENFORCEMENT_LETTER_KINDS as readonly string[]).includes(k);

export interface EnforcementLetterInfo {
  name: string;
  /** who it is written to */
  to: 'complainant' | 'owner-occupier';
  /** it asks for a reply by a date (reply.date) */
  replyBy: boolean;
}

export const ENFORCEMENT_LETTER_INFO: Record<EnforcementLetterKind, EnforcementLetterInfo> = {
  'complaint-acknowledgement': { name: 'Acknowledgement of a complaint', to: 'complainant', replyBy: false },
  'owner-occupier': { name: 'Letter to the owner or occupier', to: 'owner-occupier', replyBy: true },
  'pcn-cover': { name: 'Planning contravention notice cover letter', to: 'owner-occupier', replyBy: true },
  'case-closed': { name: 'Case closed letter', to: 'complainant', replyBy: false },
};

export type LetterVariable = { type: 'text' | 'flag'; description: string };
const text = (description: string): LetterVariable => ({ type: 'text', description });
const flag = (description: string): LetterVariable => ({ type: 'flag', description });

const COMMON: Record<string, LetterVariable> = {
  'authority.name': text('the council, e.g. London Borough of Southwark'),
  'authority.address': text("the council's postal address on one line, with its postcode (empty when not set)"),
  'authority.addressKnown': flag('the postal address is set'),
  'authority.phone': text("the council's planning phone number (empty when not set)"),
  'authority.phoneKnown': flag('the phone number is set'),
  'authority.email': text("the council's planning email address (empty when not set)"),
  'authority.emailKnown': flag('the email address is set'),
  'authority.website': text("the council's website (empty when not set)"),
  'authority.websiteKnown': flag('the website is set'),
  'officer.name': text('the case officer\'s name, or "the enforcement officer"'),
  'officer.email': text("the case officer's email address (empty when not known)"),
  'officer.emailKnown': flag("the case officer's email address is known"),
  'officer.phone': text("the case officer's phone number (empty when not known)"),
  'officer.phoneKnown': flag("the case officer's phone number is known"),
  'letter.date': text('the date the letter bears, e.g. 7 December 2026'),
  'case.reference': text('the case reference, e.g. 26/EN/0001'),
  'case.address': text('the site address (or "the land shown in our records" when none is recorded)'),
  'case.description': text('the alleged breach as recorded'),
  'case.breach': text('the kind of alleged breach, e.g. unauthorised building works'),
  'case.receivedDate': text('the date the complaint was received'),
};
const COMPLAINANT: Record<string, LetterVariable> = {
  'complainant.name': text('the complainant (name or organisation)'),
  'complainant.address': text("the complainant's address on one line (empty when not recorded)"),
  'complainant.salutation': text('after "Dear": their name, or "Sir or Madam" for an organisation'),
  'complainant.named': flag('the complainant is a named person (sign off "Yours sincerely", else "Yours faithfully")'),
};
const RECIPIENT: Record<string, LetterVariable> = {
  'recipient.name': text('who the letter is to, e.g. The Owner or Occupier'),
  'recipient.address': text('their address on one line'),
  'recipient.salutation': text('after "Dear": their name when given, else "Sir or Madam"'),
  'recipient.named': flag('the letter is to a named person (sign off "Yours sincerely", else "Yours faithfully")'),
  'reply.date': text('the date to reply by, e.g. 21 December 2026, or empty when none was given'),
  'reply.dateKnown': flag('a reply-by date was given'),
};

export const ENFORCEMENT_LETTER_VARIABLES: Record<EnforcementLetterKind, Record<string, LetterVariable>> = {
  'complaint-acknowledgement': { ...COMMON, ...COMPLAINANT },
  'owner-occupier': { ...COMMON, ...RECIPIENT },
  'pcn-cover': { ...COMMON, ...RECIPIENT },
  'case-closed': {
    ...COMMON,
    ...COMPLAINANT,
    'closure.reason': text('why the case is closed, one or more sentences'),
  },
};

/** Names a title may use: none that name or locate a person. */
export function letterTitleVariables(kind: EnforcementLetterKind): Record<string, LetterVariable> {
  return Object.fromEntries(
    Object.entries(ENFORCEMENT_LETTER_VARIABLES[kind]).filter(([n]) => !/^(complainant|recipient)\./.test(n)),
  );
}

export const letterVariableList = (vars: Record<string, LetterVariable>) =>
  Object.entries(vars).map(([name, s]) => ({ name, type: s.type, description: s.description }));

export interface LetterTemplateIssue {
  field: 'title' | 'body';
  line: number;
  column: number;
  message: string;
  name?: string;
}

function lineColumn(source: string, index: number): { line: number; column: number } {
  const before = source.slice(0, Math.max(0, Math.min(index, source.length)));
  return { line: before.split('\n').length, column: index - (before.lastIndexOf('\n') + 1) + 1 };
}

type Token = [string, string, number, number, Token[]?, number?];

function checkTokens(
  tokens: Token[],
  vars: Record<string, LetterVariable>,
  source: string,
  field: LetterTemplateIssue['field'],
  issues: LetterTemplateIssue[],
) {
  for (const tok of tokens) {
    const [type, name] = tok;
    if (type === 'text' || type === '!' || type === '=') continue;
    const issue = (message: string) => issues.push({ field, ...lineColumn(source, tok[2]), message, name });
    if (type === '>') {
      issue(`partials ({{> ${name}}}) are not available in Redline templates`);
      continue;
    }
    const spec = vars[name];
    if (!spec) issue(`unknown variable "${name}"`);
    else if ((type === 'name' || type === '&') && spec.type === 'flag')
      issue(`"${name}" is a yes/no flag: use it as {{#${name}}}…{{/${name}}} or {{^${name}}}…{{/${name}}}`);
    if (type === '#' || type === '^') checkTokens(tok[4] ?? [], vars, source, field, issues);
  }
}

/** Every problem with a template (empty when it is fine). Only [[…]] lines are refused: a letter has no map. */
export function checkLetterTemplate(kind: EnforcementLetterKind, t: { title: string; body: string }) {
  const issues: LetterTemplateIssue[] = [];
  const parts: Array<[LetterTemplateIssue['field'], string, Record<string, LetterVariable>]> = [
    ['title', t.title, letterTitleVariables(kind)],
    ['body', t.body, ENFORCEMENT_LETTER_VARIABLES[kind]],
  ];
  for (const [field, source, vars] of parts) {
    let tokens: Token[];
    try {
      tokens = Mustache.parse(source) as unknown as Token[];
    } catch (e) {
      const message = (e as Error).message;
      const at = /\bat (\d+)\s*$/.exec(message);
      issues.push({
        field,
        ...lineColumn(source, at ? Number(at[1]) : 0),
        message: message.replace(/\s*at \d+\s*$/, ''),
      });
      continue;
    }
    checkTokens(tokens, vars, source, field, issues);
    if (field === 'body') {
      source.split('\n').forEach((line, i) => {
        if (/^\s*\[\[.*\]\]\s*$/.test(line))
          issues.push({
            field,
            line: i + 1,
            column: line.indexOf('[[') + 1,
            message: 'an enforcement letter has no map: [[…]] lines are not available',
          });
      });
    } else if (/[\r\n]/.test(source)) {
      issues.push({ field, line: 1, column: 1, message: 'the title is one line' });
    }
  }
  return issues.sort((a, b) =>
    a.field === b.field ? a.line - b.line || a.column - b.column : a.field === 'title' ? -1 : 1,
  );
}

/** Why a case is closed, in a sentence, from its decision or (when it has none) its status; null when neither says. */
export const CLOSURE_REASONS: Record<string, string> = {
  'no-breach': 'We investigated the matter and found that there has been no breach of planning control.',
  'not-expedient':
    'We found a breach of planning control, but having regard to the development plan and all other material considerations we have decided that it is not expedient to take formal enforcement action.',
  'breach-resolved': 'The breach of planning control has been resolved, so no further action is needed.',
  'notice-served': 'We have served a formal notice and the matter is now dealt with under that notice.',
  prosecution: 'The matter has been referred for prosecution and will be dealt with by the courts.',
  complied: 'The requirements of the notice we served have been complied with.',
};
/** Enforcement statuses after which the case is no longer open. */
export const CLOSED_ENFORCEMENT_STATUSES = ['no-breach', 'breach-resolved', 'complied', 'closed'] as const;

export function closureReason(c: { status: string; decision: string | null }): string | null {
  if (c.decision && CLOSURE_REASONS[c.decision]) return CLOSURE_REASONS[c.decision]!;
  if (c.status !== 'closed' && CLOSURE_REASONS[c.status]) return CLOSURE_REASONS[c.status]!;
  return null;
}
