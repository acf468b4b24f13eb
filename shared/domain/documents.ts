/**
 * Letters and notices (pure): the kinds of document, the variables each kind's template may use, template checking
 * (Mustache syntax, unknown names, with line and column), and filling a template into blocks for the PDF writer.
 *
 * Template language: Mustache (logic-less: an admin-edited template can show values, test a flag, repeat a list;
 * it can never run code), then a small block syntax on the text it produces:
 *   `# ` heading 1, `## ` heading 2, `- ` list item, `1. ` numbered list item, `[[map]]` the map (a page of its own),
 *   a blank line between paragraphs; lines next to each other in a paragraph stay on their own lines.
 * Values never make structure: a description starting with "# " stays text, because every value is fenced with two
 * private-use characters while the blocks are found, and the fences removed afterwards.
 */
import Mustache from 'mustache';

export const DOCUMENT_KINDS = [
  'neighbour-letter',
  'consultee-letter',
  'site-notice',
  'press-advert',
  'decision-notice',
  'site-history',
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
export const isDocumentKind = (k: string): k is DocumentKind => (DOCUMENT_KINDS as readonly string[]).includes(k);

export interface KindInfo {
  name: string;
  /** a letter: sender, the address block in the envelope window, date and reference */
  letter: boolean;
  /** only for planning applications (not enforcement cases) */
  applicationsOnly: boolean;
  /** the map that [[map]] puts in */
  map: 'neighbours' | 'site-location';
  /** type sizes: a site notice is read from the street */
  style: 'letter' | 'notice' | 'report';
}

export const KIND_INFO: Record<DocumentKind, KindInfo> = {
  'neighbour-letter': {
    name: 'Neighbour notification letters',
    letter: true,
    applicationsOnly: true,
    map: 'neighbours',
    style: 'letter',
  },
  'consultee-letter': {
    name: 'Consultee letter',
    letter: true,
    applicationsOnly: true,
    map: 'site-location',
    style: 'letter',
  },
  'site-notice': { name: 'Site notice', letter: false, applicationsOnly: true, map: 'site-location', style: 'notice' },
  'press-advert': {
    name: 'Press advert',
    letter: false,
    applicationsOnly: true,
    map: 'site-location',
    style: 'report',
  },
  'decision-notice': {
    name: 'Decision notice',
    letter: true,
    applicationsOnly: true,
    map: 'site-location',
    style: 'letter',
  },
  'site-history': {
    name: 'Site history report',
    letter: false,
    applicationsOnly: false,
    map: 'site-location',
    style: 'report',
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Variables
// ---------------------------------------------------------------------------------------------------------------

type Leaf = { type: 'text' | 'flag'; description: string };
export type VariableSpec = Leaf | { type: 'list'; description: string; item: 'text' | Record<string, Leaf> };

const text = (description: string): Leaf => ({ type: 'text', description });
const flag = (description: string): Leaf => ({ type: 'flag', description });

const COMMON: Record<string, VariableSpec> = {
  'authority.name': text('the council, e.g. London Borough of Southwark'),
  'authority.address': text("the council's postal address on one line, with its postcode (empty when not set)"),
  'authority.addressKnown': flag("the council's postal address is set"),
  'authority.phone': text("the council's planning phone number (empty when not set)"),
  'authority.phoneKnown': flag('the phone number is set'),
  'authority.email': text("the council's planning email address (empty when not set)"),
  'authority.emailKnown': flag('the email address is set'),
  'authority.website': text("the council's website (empty when not set)"),
  'authority.websiteKnown': flag('the website is set'),
  'authority.commentUrl': text('where to comment on this application online (empty when not set)'),
  'authority.commentUrlKnown': flag('the comment link is set'),
  'authority.plansUrl': text("where to see this application's plans and documents online (empty when not set)"),
  'authority.plansUrlKnown': flag('the plans link is set'),
  'officer.name': text('the case officer\'s name, or "the case officer"'),
  'officer.nameKnown': flag('the case has an officer'),
  'officer.email': text("the case officer's email address (empty when not known)"),
  'officer.emailKnown': flag("the case officer's email address is known"),
  'officer.phone': text("the case officer's phone number (empty when not known)"),
  'officer.phoneKnown': flag("the case officer's phone number is known"),
  'case.isApplication': flag('the case is a planning application'),
  'case.isEnforcement': flag('the case is an enforcement case (it has an alleged breach, not a proposal)'),
  'document.date': text('the date the document bears, e.g. 23 November 2026'),
  'case.reference': text('the case reference, e.g. 26/AP/0001'),
  'case.address': text('the site address (or "the site shown on the map" when none is recorded)'),
  'case.description': text('the proposal or the alleged breach, without a closing full stop'),
  'case.applicationType': text('the type of application, e.g. Householder planning application'),
  'case.receivedDate': text('the date the case was received'),
  'case.validDate': text('the date the application was made valid, or "not valid yet"'),
  'case.officer': text('the case officer\'s name, or "the case officer"'),
  'case.targetDate': text('the date a decision is due (with any agreed extension), or "not known yet"'),
  'map.scale': text('the scale of the map, e.g. 1:1,250 (empty when the template has no [[map]])'),
  'map.description': text('a sentence describing the map (empty when the template has no [[map]])'),
};
const PUBLICITY: Record<string, VariableSpec> = {
  'publicity.windowDays': text('the days allowed for comments, e.g. 21 (30 for EIA development)'),
  'publicity.holidaysDisregarded': flag(
    'public holidays (Christmas Day, Good Friday, bank holidays) are not counted in the days allowed (DMPO Sch. 3)',
  ),
  'publicity.date': text(
    'the date the letters are served, the notice is displayed or the advert published, when given; else "not known yet"',
  ),
  'publicity.dateKnown': flag('the publicity date was given'),
  'publicity.commentByDate': text('the last day for comments, e.g. 14 December 2026, or "not known yet"'),
  'publicity.commentByKnown': flag('the last day for comments is known'),
  'publicity.earliestDecisionDate': text('the earliest date the application can be decided, or "not known yet"'),
  'publicity.earliestDecisionDateKnown': flag(
    'the earliest decision date is known (and no other required publicity is still to be done)',
  ),
  'publicity.reasons': {
    type: 'list',
    description: 'why this publicity is done, one sentence each (e.g. it may affect a conservation area)',
    item: 'text',
  },
  'publicity.hasReasons': flag('there is at least one reason'),
  'publicity.provisions': {
    type: 'list',
    description: 'the provisions it is given under (DMPO art. 15, LBCA Act s.67/s.73 and reg 5/5A), one each',
    item: 'text',
  },
  'publicity.provisionsText': text('the same provisions in one sentence'),
  'publicity.hasProvisions': flag('there is at least one provision'),
};
const NUMBERED: Record<string, Leaf> = { number: text('1, 2, 3…'), text: text('the wording') };
const CONDITION: Record<string, Leaf> = {
  number: text('1, 2, 3…'),
  text: text('the condition'),
  reason: text('the reason for it'),
};

export const KIND_VARIABLES: Record<DocumentKind, Record<string, VariableSpec>> = {
  'neighbour-letter': {
    ...COMMON,
    ...PUBLICITY,
    'recipient.address': text("the recipient's address on one line"),
    'recipient.number': text('the number of the address on the map and in the list'),
    'run.recipientCount': text('how many addresses the run writes to'),
  },
  'consultee-letter': {
    ...COMMON,
    ...PUBLICITY,
    'consultee.name': text('the person consulted (may be empty)'),
    'consultee.organisation': text('the organisation consulted'),
  },
  'site-notice': { ...COMMON, ...PUBLICITY },
  'press-advert': {
    ...COMMON,
    ...PUBLICITY,
    'advert.reasons': {
      type: 'list',
      description: 'why the application is advertised, one sentence each',
      item: 'text',
    },
    'advert.hasReasons': flag('there is at least one reason'),
  },
  'decision-notice': {
    ...COMMON,
    'applicant.name': text('the applicant (name or organisation), or "the applicant"'),
    'decision.outcome': text(
      'by decision and type of application, e.g. Permission granted, Listed building consent granted',
    ),
    'decision.date': text('the date of the decision'),
    'decision.granted': flag('the decision grants permission, consent, approval or a certificate'),
    'decision.refused': flag('the decision refuses it'),
    'decision.conditions': {
      type: 'list',
      description: 'the conditions given when the notice is made, numbered, each with its reason',
      item: CONDITION,
    },
    'decision.informatives': {
      type: 'list',
      description: 'the informatives (notes to the applicant) given when the notice is made, numbered',
      item: NUMBERED,
    },
    'decision.hasInformatives': flag('there is at least one informative'),
    'decision.approvedPlans': {
      type: 'list',
      description: 'the approved plans and documents, one each',
      item: 'text',
    },
    'decision.hasApprovedPlans': flag('the approved plans and documents are listed'),
    'decision.appealable': flag('the applicant may appeal (a refusal, a split decision or conditions)'),
    'decision.appealAgainst': text('what may be appealed, e.g. "the refusal" or "the conditions"'),
    'decision.appealPeriodKnown': flag('the time limit for appealing is known for this type of application'),
    'decision.appealPeriod': text('e.g. "12 weeks" (householder), "6 months", or "no time limit"'),
    'decision.appealWhere': text('where to appeal: the Planning Inspectorate and its web page'),
    'decision.authorisedOfficer': text('the officer who signs the notice'),
    'decision.authorisedOfficerPosition': text('their position, e.g. Head of Planning'),
    'decision.hasConditions': flag('there is at least one condition'),
    'decision.reasons': {
      type: 'list',
      description: 'the reasons given when the notice is made, numbered',
      item: NUMBERED,
    },
    'decision.hasReasons': flag('there is at least one reason'),
  },
  'site-history': {
    ...COMMON,
    'history.withinM': text('the search distance in metres, e.g. 50'),
    'history.count': text('how many cases are listed'),
    'history.none': flag('no cases were found'),
    'history.includesEnforcement': flag('enforcement cases are included'),
    'history.items': {
      type: 'list',
      description: 'the cases on and around the site, nearest first (this case first)',
      item: {
        number: text('its number in the list, the same as on the map (1, 2, …)'),
        reference: text('its reference'),
        address: text('its site address'),
        description: text('its proposal or alleged breach'),
        descriptionLabel: text('"Proposal" for an application, "Alleged breach" for an enforcement case'),
        type: text('e.g. Full planning permission, or Enforcement case'),
        receivedDate: text('the date it was received'),
        decision: text('e.g. Permission granted on 3 March 2024, or "Not decided (under assessment)"'),
        relation: text('e.g. This case, Overlaps the site, 12 m from the site'),
      },
    },
  },
};

/** Names the title may use: the document's own, not one letter's, and no person's name (titles are listed and
 *  audited for every staff role). */
export function titleVariables(kind: DocumentKind): Record<string, VariableSpec> {
  return Object.fromEntries(
    Object.entries(KIND_VARIABLES[kind]).filter(([n]) => !/^(recipient|applicant|consultee)\./.test(n)),
  );
}

/** The variables of a kind, for error details and GET /api/document-templates/:kind. */
export function variableList(
  vars: Record<string, VariableSpec>,
): Array<{ name: string; type: string; description: string; fields?: string[] }> {
  return Object.entries(vars).map(([name, s]) => ({
    name,
    type: s.type,
    description: s.description,
    ...(s.type === 'list' ? { fields: s.item === 'text' ? ['.'] : Object.keys(s.item) } : {}),
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Checking a template
// ---------------------------------------------------------------------------------------------------------------

export interface TemplateIssue {
  field: 'title' | 'body';
  line: number;
  column: number;
  message: string;
  name?: string;
}

function lineColumn(source: string, index: number): { line: number; column: number } {
  const before = source.slice(0, Math.max(0, Math.min(index, source.length)));
  const line = before.split('\n').length;
  return { line, column: index - (before.lastIndexOf('\n') + 1) + 1 };
}

type Frame = { kind: 'names'; names: Record<string, VariableSpec | Leaf> } | { kind: 'value'; listOfText: boolean };

/** How Mustache looks a name up: the innermost context that has its first part, then the rest inside that. */
function resolve(
  name: string,
  frames: Frame[],
): { spec: VariableSpec | Leaf | 'group'; frame: Frame } | { error: string } | { dot: true } {
  if (name === '.') {
    const top = frames[frames.length - 1]!;
    return top.kind === 'value'
      ? { dot: true }
      : { error: '"." means the current item of a list of text; here there is none' };
  }
  const first = name.split('.')[0]!;
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i]!;
    if (f.kind !== 'names') continue;
    const hasFirst = Object.keys(f.names).some((n) => n === first || n.startsWith(first + '.'));
    if (!hasFirst) continue;
    const spec = f.names[name];
    if (spec) return { spec, frame: f };
    if (Object.keys(f.names).some((n) => n.startsWith(name + '.'))) return { spec: 'group', frame: f };
    return { error: `unknown variable "${name}"` };
  }
  return { error: `unknown variable "${name}"` };
}

type Token = [string, string, number, number, Token[]?, number?];

function checkTokens(
  tokens: Token[],
  frames: Frame[],
  source: string,
  field: TemplateIssue['field'],
  issues: TemplateIssue[],
) {
  const issue = (tok: Token, message: string) =>
    issues.push({ field, ...lineColumn(source, tok[2]), message, name: tok[1] });
  for (const tok of tokens) {
    const [type, value] = tok;
    if (type === 'text' || type === '!' || type === '=') continue;
    if (type === '>') {
      issue(tok, `partials ({{> ${value}}}) are not available in Redline templates`);
      continue;
    }
    const r = resolve(value, frames);
    if ('error' in r) {
      issue(tok, r.error);
      if (type === '#' || type === '^')
        checkTokens(tok[4] ?? [], [...frames, { kind: 'value', listOfText: false }], source, field, issues);
      continue;
    }
    if (type === 'name' || type === '&') {
      if ('dot' in r) continue;
      if (r.spec === 'group')
        issue(tok, `"${value}" is a group of variables, not a value: use one of its variables, e.g. ${value}.…`);
      else if (r.spec.type === 'list')
        issue(tok, `"${value}" is a list: repeat over it with {{#${value}}}…{{/${value}}}`);
      else if (r.spec.type === 'flag')
        issue(tok, `"${value}" is a yes/no flag: use it as {{#${value}}}…{{/${value}}} or {{^${value}}}…{{/${value}}}`);
      continue;
    }
    // # and ^ sections
    let inner: Frame;
    if ('dot' in r) inner = { kind: 'value', listOfText: false };
    else if (r.spec === 'group') {
      const prefix = value + '.';
      const names: Record<string, VariableSpec> = {};
      for (const [n, s] of Object.entries((r.frame as Extract<Frame, { kind: 'names' }>).names))
        if (n.startsWith(prefix)) names[n.slice(prefix.length)] = s;
      inner = { kind: 'names', names };
    } else if (r.spec.type === 'list' && type === '#') {
      inner = r.spec.item === 'text' ? { kind: 'value', listOfText: true } : { kind: 'names', names: r.spec.item };
    } else inner = { kind: 'value', listOfText: false };
    checkTokens(tok[4] ?? [], [...frames, inner], source, field, issues);
  }
}

const DIRECTIVE = /^\s*\[\[(.*)\]\]\s*$/;

/** Every problem with a template (empty when it is fine): Mustache syntax, unknown variables, unknown [[…]] lines. */
export function checkTemplate(kind: DocumentKind, t: { title: string; body: string }): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const parts: Array<[TemplateIssue['field'], string, Record<string, VariableSpec>]> = [
    ['title', t.title, titleVariables(kind)],
    ['body', t.body, KIND_VARIABLES[kind]],
  ];
  for (const [field, source, vars] of parts) {
    let tokens: Token[];
    try {
      tokens = Mustache.parse(source) as unknown as Token[];
    } catch (e) {
      const message = (e as Error).message;
      const at = /\bat (\d+)\s*$/.exec(message);
      const index = at ? Number(at[1]) : 0;
      issues.push({ field, ...lineColumn(source, index), message: message.replace(/\s*at \d+\s*$/, '') });
      continue;
    }
    checkTokens(tokens, [{ kind: 'names', names: vars }], source, field, issues);
    if (field === 'body') {
      source.split('\n').forEach((line, i) => {
        const m = DIRECTIVE.exec(line);
        if (m && m[1]!.trim() !== 'map')
          issues.push({
            field,
            line: i + 1,
            column: line.indexOf('[[') + 1,
            message: `unknown directive [[${m[1]}]]: the only one is [[map]]`,
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

// ---------------------------------------------------------------------------------------------------------------
// Filling a template
// ---------------------------------------------------------------------------------------------------------------

export type Block =
  | { type: 'h1' | 'h2'; text: string }
  | { type: 'p'; text: string }
  | { type: 'list'; ordered: boolean; items: Array<{ label: string; text: string }> }
  | { type: 'map' };

/** A view: what the variables hold. Strings, yes/no flags, lists of strings or of objects of strings. */
export type ViewValue = string | boolean | ViewValue[] | { [k: string]: ViewValue };
export type View = { [k: string]: ViewValue };

const OPEN = '\uE000';
const CLOSE = '\uE001';
const FENCES = /[\uE000\uE001]/g;

/** Fences every non-empty value (so it can never be read as a heading, list item or [[map]]); digits alone stay bare,
 *  so "{{number}}. {{text}}" still makes a numbered item. Newlines in a value become spaces. */
function fence(v: ViewValue): ViewValue {
  if (typeof v === 'string') {
    const s = v.replace(FENCES, '').replace(/\s*[\r\n]+\s*/g, ' ');
    return s === '' || /^\d+$/.test(s) ? s : OPEN + s + CLOSE;
  }
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(fence);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fence(x)]));
}

/** Nested view from dotted names: { 'case.reference': 'x' } → { case: { reference: 'x' } }. */
export function nest(flat: Record<string, ViewValue>): View {
  const out: View = {};
  for (const [name, value] of Object.entries(flat)) {
    const parts = name.split('.');
    let o = out as Record<string, ViewValue>;
    for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, ViewValue>;
    o[parts[parts.length - 1]!] = value;
  }
  return out;
}

const render = (source: string, view: View) =>
  Mustache.render(source, fence(view as ViewValue) as object, {}, { escape: (s: string) => s });
const unfence = (s: string) => s.replace(FENCES, '');

export function fillTitle(title: string, view: View): string {
  return unfence(render(title, view)).replace(/\s+/g, ' ').trim();
}

/** The template's body with the view's values, as blocks. */
export function fillBody(body: string, view: View): Block[] {
  const lines = render(body.replace(/\r\n?/g, '\n'), view).split('\n');
  const blocks: Block[] = [];
  let para: string[] | null = null;
  let list: Extract<Block, { type: 'list' }> | null = null;
  const endPara = () => {
    if (para) {
      const t = para.join('\n').trim();
      if (t) blocks.push({ type: 'p', text: t });
    }
    para = null;
  };
  const endList = () => {
    if (list && list.items.length) blocks.push(list);
    list = null;
  };
  for (const raw of lines) {
    const line = raw.trimStart();
    const plain = unfence(line).trim();
    let m: RegExpExecArray | null;
    if (plain === '') {
      endPara();
      endList();
    } else if ((m = /^(#{1,2}) (.*)$/.exec(line))) {
      endPara();
      endList();
      const t = unfence(m[2]!).trim();
      if (t) blocks.push({ type: m[1] === '#' ? 'h1' : 'h2', text: t });
    } else if ((m = /^(?:([-*])|(\d{1,3})\.) (.*)$/.exec(line))) {
      endPara();
      const ordered = m[2] !== undefined;
      if (list && list.ordered !== ordered) endList();
      list ??= { type: 'list', ordered, items: [] };
      const t = unfence(m[3]!).trim();
      if (t) list.items.push({ label: ordered ? `${m[2]}.` : '•', text: t });
    } else if (/^\[\[map\]\]\s*$/.test(line)) {
      endPara();
      endList();
      blocks.push({ type: 'map' });
    } else {
      endList();
      (para ??= []).push(unfence(line).trimEnd());
    }
  }
  endPara();
  endList();
  for (const b of blocks) {
    if (b.type === 'p' || b.type === 'h1' || b.type === 'h2') b.text = tidy(b.text);
    else if (b.type === 'list') for (const item of b.items) item.text = tidy(item.text);
  }
  return blocks;
}

/** A full stop a value ends with and the template adds ("… roof slope." + ".") is one; a dotted line to write on
 *  ("......") is left alone. */
const tidy = (t: string) => t.replace(/(?<![.])([.!?])\.(?![.])/g, '$1');

/** Plain text of blocks (a press advert for the newspaper). */
export function blocksToText(blocks: Block[]): string {
  return (
    blocks
      .flatMap((b) =>
        b.type === 'map'
          ? []
          : b.type === 'list'
            ? [b.items.map((i) => `${b.ordered ? i.label : '-'} ${i.text}`).join('\n')]
            : [b.text],
      )
      .join('\n\n') + '\n'
  );
}

export const hasMap = (body: string) => body.split(/\r?\n/).some((l) => /^\s*\[\[map\]\]\s*$/.test(l));

// ---------------------------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------------------------

export { ukDate } from './uk-dates.ts';

/** Today in the UK (Europe/London), 'YYYY-MM-DD'. */
export function todayInUk(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

export const NOT_KNOWN = 'not known yet';

export const DECISION_WORDS: Record<string, { outcome: string; granted: boolean; refused: boolean }> = {
  granted: { outcome: 'Permission granted', granted: true, refused: false },
  refused: { outcome: 'Permission refused', granted: false, refused: true },
  'split-decision': {
    outcome: 'Split decision: permission granted in part and refused in part',
    granted: true,
    refused: true,
  },
  'consent-granted': { outcome: 'Consent granted', granted: true, refused: false },
  'consent-refused': { outcome: 'Consent refused', granted: false, refused: true },
  'prior-approval-required': { outcome: 'Prior approval required', granted: false, refused: false },
  'prior-approval-not-required': { outcome: 'Prior approval not required', granted: true, refused: false },
  'prior-approval-granted': { outcome: 'Prior approval granted', granted: true, refused: false },
  'prior-approval-refused': { outcome: 'Prior approval refused', granted: false, refused: true },
  'certificate-granted': { outcome: 'Certificate granted', granted: true, refused: false },
  'certificate-refused': { outcome: 'Certificate refused', granted: false, refused: true },
  withdrawn: { outcome: 'Withdrawn', granted: false, refused: false },
  'declined-to-determine': { outcome: 'Declined to determine', granted: false, refused: false },
  // enforcement outcomes (site history)
  'no-breach': { outcome: 'No breach found', granted: false, refused: false },
  'not-expedient': { outcome: 'Not expedient to take action', granted: false, refused: false },
  'breach-resolved': { outcome: 'Breach resolved', granted: false, refused: false },
  'notice-served': { outcome: 'Notice served', granted: false, refused: false },
  prosecution: { outcome: 'Prosecution', granted: false, refused: false },
};

/** The outcome in words for the type of application: "Listed building consent granted", not "Permission granted". */
export function decisionOutcome(decision: string, applicationType: string | null): string {
  const base = DECISION_WORDS[decision]?.outcome ?? words(decision);
  const t = applicationType ?? '';
  const yes = ['granted', 'consent-granted', 'certificate-granted'].includes(decision);
  const no = ['refused', 'consent-refused', 'certificate-refused'].includes(decision);
  if (!yes && !no) return base;
  const what =
    t === 'lbc'
      ? 'Listed building consent'
      : t === 'advertising'
        ? 'Advertisement consent'
        : t === 'consent-under-tpo'
          ? 'Consent for works to protected trees'
          : t === 'haz-substance-consent'
            ? 'Hazardous substances consent'
            : t.startsWith('ldc')
              ? 'Certificate of lawfulness'
              : t.startsWith('outline')
                ? 'Outline planning permission'
                : t === 'reserved-matters'
                  ? 'Approval of reserved matters'
                  : t === 'approval-condition'
                    ? 'Approval of details reserved by condition'
                    : t === 'prior-approval' || t.startsWith('pa-') || t.startsWith('cho-')
                      ? 'Prior approval'
                      : decision.startsWith('consent') || decision.startsWith('certificate')
                        ? null
                        : 'Planning permission';
  // a planning permission keeps the words every other screen uses ("Permission granted")
  if (!what || what === 'Planning permission') return base;
  return `${what} ${yes ? 'granted' : 'refused'}`;
}

/** 'under-assessment' → 'under assessment'. */
export const words = (code: string) => code.replace(/-/g, ' ');

/** The right of appeal a decision notice states (DMPO 2015 art. 35(1)(b) and art. 37; TCPA 1990 s.78 and s.195;
 *  LBCA Act 1990 s.20; the Advertisement Regs 2007 reg 17; the TPO Regs 2012 reg 19): whether the applicant may
 *  appeal and against what, the time limit for the type of application (null when Redline does not know it for
 *  that type: the notice then sends the reader to the Planning Inspectorate) and where. */
export interface AppealRights {
  appealable: boolean;
  against: string;
  period: string | null;
  where: string;
}

const PINS = 'the Planning Inspectorate';
const APPEAL_PAGES = {
  householder: 'https://www.gov.uk/appeal-householder-planning-decision',
  planning: 'https://www.gov.uk/appeal-planning-decision',
  listed: 'https://www.gov.uk/appeal-listed-building-consent-decision',
  other: 'https://www.gov.uk/appeal-planning-inspectorate',
} as const;

export function appealRights(decision: string, applicationType: string | null, hasConditions: boolean): AppealRights {
  const t = applicationType ?? '';
  const refused = Boolean(DECISION_WORDS[decision]?.refused);
  const granted = Boolean(DECISION_WORDS[decision]?.granted);
  const against =
    decision === 'split-decision' ? 'the part refused, or the conditions' : refused ? 'the refusal' : 'the conditions';
  const appealable = refused || (granted && hasConditions);
  let period: string | null = null;
  let page: string = APPEAL_PAGES.other;
  if (t === 'hh') {
    period = '12 weeks';
    page = APPEAL_PAGES.householder;
  } else if (t === 'lbc') {
    period = '6 months';
    page = APPEAL_PAGES.listed;
  } else if (t === 'advertising') period = '8 weeks';
  else if (t === 'consent-under-tpo') period = '28 days';
  else if (t.startsWith('ldc')) period = 'no time limit';
  else if (
    [
      'full',
      'outline',
      'outline-some',
      'outline-all',
      'reserved-matters',
      's73',
      'change-of-use',
      'approval-condition',
      'demolition-con-area',
      'prior-approval',
    ].includes(t) ||
    (t.startsWith('pa-') && t !== 'pa-extension') ||
    t.startsWith('cho-')
  ) {
    period = '6 months';
    page = APPEAL_PAGES.planning;
  }
  return { appealable, against, period, where: `${PINS} (${page})` };
}
