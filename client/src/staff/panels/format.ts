/**
 * Pure helpers of the case page's panels (no DOM): figures in words that are never a false zero, what changed
 * between two constraint checks, the neighbour selection the panel sends and its number labels, the publicity event
 * body a form gives, and the map image address. Unit-tested in tests/unit/staff-panels-format.test.ts.
 */
import { diffReports, type ConstraintReport, type Status } from '../../../../shared/domain/constraints.ts';

// ---------------------------------------------------------------------------------------------------------------
// Figures

const round = (v: number, dp: number) => Math.round(v * 10 ** dp) / 10 ** dp;

/** A distance in words: "0 m" only when it is 0; under 1 cm is "less than 1 cm"; km from 10 km. */
export function formatDistance(m: number | null | undefined): string {
  if (m === null || m === undefined || !Number.isFinite(m)) return 'not known';
  if (m === 0) return '0 m';
  if (m < 0) return `${formatDistance(-m)} inside`;
  if (m < 0.01) return 'less than 1 cm';
  if (m < 1) return `${Math.round(m * 100)} cm`;
  if (m >= 10_000) return `${round(m / 1000, 1)} km`;
  return `${round(m, m < 100 ? 1 : 0)} m`;
}

/** An area in words: "0 m²" only when it is 0; under 0.01 m² is "less than 0.01 m²"; hectares too from 1,000 m². */
export function formatArea(m2: number | null | undefined): string {
  if (m2 === null || m2 === undefined || !Number.isFinite(m2)) return 'not known';
  if (m2 === 0) return '0 m²';
  if (m2 < 0.01) return 'less than 0.01 m²';
  const text = `${(m2 < 10 ? round(m2, 2) : m2 < 1000 ? round(m2, 1) : Math.round(m2)).toLocaleString('en-GB')} m²`;
  return m2 >= 1000 ? `${text} (${formatHectares(m2)})` : text;
}

/** Hectares, never a false zero ("less than 0.0001 ha"). */
export function formatHectares(m2: number): string {
  if (m2 === 0) return '0 ha';
  const ha = m2 / 10_000;
  if (ha < 0.0001) return 'less than 0.0001 ha';
  return `${round(ha, ha < 1 ? 4 : 2)} ha`;
}

/** A percentage of the site, never a false zero. */
export function formatPercent(pct: number | null | undefined): string {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return 'not known';
  if (pct === 0) return '0%';
  if (pct < 0.01) return 'less than 0.01%';
  return `${round(pct, pct < 1 ? 2 : 1)}%`;
}

/** "12 May 2025" from an ISO date or timestamp (UK time); the text as given when it is not a date. */
export function formatDate(d: string | Date | null | undefined, withTime = false): string {
  if (d === null || d === undefined || d === '') return 'not recorded';
  const date = typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d) ? new Date(`${d}T12:00:00Z`) : new Date(d);
  if (Number.isNaN(date.getTime())) return String(d);
  const opts: Intl.DateTimeFormatOptions = {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'Europe/London',
  };
  if (withTime) Object.assign(opts, { hour: '2-digit', minute: '2-digit', hour12: false });
  return new Intl.DateTimeFormat('en-GB', opts).format(date);
}

export const STATUS_TEXT: Record<Status, string> = {
  constraint: 'Constraint',
  clear: 'Clear',
  unknown: 'Unknown',
};

export const RELATION_TEXT: Record<string, string> = {
  'site-within-feature': 'Site entirely within it',
  'feature-within-site': 'Entirely on the site',
  overlaps: 'Partly on the site',
  touches: 'Touches the red line',
  near: 'Near the site',
};

// ---------------------------------------------------------------------------------------------------------------
// Constraint checks

/** What changed between two checks of a case, as sentences (empty when nothing did). */
export function describeCheckChanges(before: ConstraintReport, after: ConstraintReport): string[] {
  const titles = new Map<string, string>();
  for (const l of [...before.layers, ...after.layers]) titles.set(l.layerId, l.title);
  const title = (id: string) => titles.get(id) ?? id;
  const { statusChanges, hitChanges } = diffReports(before, after);
  const out: string[] = [];
  for (const s of statusChanges) {
    if (s.before === null) out.push(`${title(s.layerId)}: checked for the first time (${statusWord(s.after)}).`);
    else if (s.after === null) out.push(`${title(s.layerId)}: no longer checked (was ${statusWord(s.before)}).`);
    else out.push(`${title(s.layerId)}: ${statusWord(s.before)} before, ${statusWord(s.after)} now.`);
  }
  for (const h of hitChanges) {
    const where = (b: NonNullable<typeof h.after>) =>
      b.overlapM2 > 0 ? `overlap ${formatArea(b.overlapM2)}` : `${formatDistance(b.distanceM)} away`;
    if (h.change === 'added') out.push(`${title(h.layerId)}: '${h.key}' is new (${where(h.after!)}).`);
    else if (h.change === 'removed') out.push(`${title(h.layerId)}: '${h.key}' is no longer found.`);
    else out.push(`${title(h.layerId)}: '${h.key}' changed from ${where(h.before!)} to ${where(h.after!)}.`);
  }
  return out;
}

const statusWord = (s: Status | null) => (s === null ? 'not checked' : STATUS_TEXT[s].toLowerCase());

/** A check's summary counts in words: "2 constraints, 5 clear, 1 unknown". */
export function summaryText(summary: Partial<Record<Status, number>> | null | undefined): string {
  if (!summary) return 'no summary';
  const n = (k: Status) => summary[k] ?? 0;
  const c = n('constraint');
  return `${c} constraint${c === 1 ? '' : 's'}, ${n('clear')} clear, ${n('unknown')} unknown`;
}

/** The layer's uncovered area in words, when there is one ("" when the data covers the whole site). */
export function uncoveredText(l: { uncoveredM2?: number; uncoveredReachM2?: number }): string {
  const parts: string[] = [];
  if (l.uncoveredM2 && l.uncoveredM2 > 0)
    parts.push(`${formatArea(l.uncoveredM2)} of the site is outside the data's coverage`);
  if (l.uncoveredReachM2 && l.uncoveredReachM2 > 0)
    parts.push(`about ${formatArea(l.uncoveredReachM2)} of the land within the rule's distance is outside it`);
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------------------------
// Neighbours

export type NeighbourMode = 'radius' | 'adjoining' | 'drawn';
export interface ManualChange {
  uprn: number;
  reason: string;
}
export interface NeighbourState {
  mode: NeighbourMode;
  /** text typed in the radius field */
  radius: string;
  /** text typed in the adjoining tolerance field ('' = the default 1 m) */
  tolerance: string;
  /** the drawn area: rings of [x, y] in EPSG:27700, first ring the outline */
  polygon: number[][][] | null;
  add: ManualChange[];
  remove: ManualChange[];
}
export interface FieldError {
  field: string;
  message: string;
}

/** The `selection` the API takes (POST /api/neighbours/preview, notification runs), or what to fix first. */
export function selectionOf(s: NeighbourState): { selection: Record<string, unknown> } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const selection: Record<string, unknown> = {};
  if (s.mode === 'radius') {
    const r = Number(s.radius.trim());
    if (s.radius.trim() === '' || !Number.isFinite(r))
      errors.push({ field: 'radius', message: 'Enter the radius in metres, for example 50' });
    else if (r <= 0) errors.push({ field: 'radius', message: 'The radius must be more than 0 m' });
    else if (r > 1000)
      errors.push({ field: 'radius', message: 'The radius must be 1000 m or less: for more, draw the area' });
    else selection.radiusM = r;
  } else if (s.mode === 'adjoining') {
    const t = s.tolerance.trim();
    if (t === '') selection.adjoining = true;
    else {
      const v = Number(t);
      if (!Number.isFinite(v) || v < 0 || v > 20)
        errors.push({ field: 'tolerance', message: 'The tolerance must be a number of metres from 0 to 20' });
      else selection.adjoining = { toleranceM: v };
    }
  } else {
    const ring = s.polygon?.[0];
    if (!s.polygon || !ring || ring.length < 4)
      errors.push({ field: 'polygon', message: 'Draw the area on the map, or type at least 3 corners' });
    else selection.polygon = { type: 'Polygon', coordinates: s.polygon };
    selection.crs = 'EPSG:27700';
  }
  if (s.add.length) selection.add = s.add.map((a) => ({ uprn: a.uprn, reason: a.reason }));
  if (s.remove.length) selection.remove = s.remove.map((a) => ({ uprn: a.uprn, reason: a.reason }));
  return errors.length ? { errors } : { selection };
}

/**
 * Adds or removes an address by hand: taking it off the list undoes an earlier addition (no reason needed) or
 * records a removal; putting it on undoes an earlier removal or records an addition. Returns the new lists.
 */
export function toggleAddress(
  s: Pick<NeighbourState, 'add' | 'remove'>,
  uprn: number,
  onList: boolean,
  reason: string,
): Pick<NeighbourState, 'add' | 'remove'> {
  const add = s.add.filter((a) => a.uprn !== uprn);
  const remove = s.remove.filter((a) => a.uprn !== uprn);
  if (onList) {
    if (add.length === s.add.length) remove.push({ uprn, reason });
  } else if (remove.length === s.remove.length) add.push({ uprn, reason });
  return { add, remove };
}

/** A reason for a change by hand: what the API takes (3 to 500 characters), or the message to show. */
export function reasonError(reason: string): string | null {
  const t = reason.trim();
  if (t.length < 3) return 'Say why (at least 3 characters)';
  if (t.length > 500) return 'The reason must be 500 characters or fewer';
  return null;
}

/** "1–3, 5": numbers in runs, for one label where several recipients share an address point (flats). */
export function numberRuns(numbers: number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : j === i + 1 ? `${sorted[i]}, ${sorted[j]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** One map label per address point: the recipients' numbers there, in runs, at the point (EPSG:27700). */
export function numberLabels(
  recipients: ReadonlyArray<{ number: number; x: number; y: number }>,
): Array<{ x: number; y: number; label: string; numbers: number[] }> {
  const at = new Map<string, { x: number; y: number; numbers: number[] }>();
  for (const r of recipients) {
    const key = `${r.x.toFixed(3)},${r.y.toFixed(3)}`;
    const p = at.get(key);
    if (p) p.numbers.push(r.number);
    else at.set(key, { x: r.x, y: r.y, numbers: [r.number] });
  }
  return [...at.values()]
    .map((p) => ({ ...p, numbers: p.numbers.sort((a, b) => a - b), label: numberRuns(p.numbers) }))
    .sort((a, b) => a.numbers[0]! - b.numbers[0]!);
}

/** The recipient nearest a clicked point within `tolerance` metres (inclusive), or null. */
export function nearestRecipient<T extends { x: number; y: number }>(
  recipients: readonly T[],
  x: number,
  y: number,
  tolerance: number,
): T | null {
  let best: T | null = null;
  let bestD = tolerance;
  for (const r of recipients) {
    const d = Math.hypot(r.x - x, r.y - y);
    // the first in list order (the lower number) on a tie
    if (d <= tolerance && (best === null || d < bestD)) {
      best = r;
      bestD = d;
    }
  }
  return best;
}

/** Typed corners ("530000 180000" or "530000,180000" per line) as a closed ring, or the line that is wrong. */
export function parseCorners(text: string): { ring: number[][] } | { error: string } {
  const ring: number[][] = [];
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  for (const [i, line] of lines.entries()) {
    const m = /^(-?\d+(?:\.\d+)?)[\s,;]+(-?\d+(?:\.\d+)?)$/.exec(line);
    if (!m) return { error: `Line ${i + 1} ("${line}") is not an easting and northing, for example 530000 180000` };
    ring.push([Number(m[1]), Number(m[2])]);
  }
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) ring.push([first[0]!, first[1]!]);
  if (ring.length < 4) return { error: 'Give at least 3 corners, one easting and northing per line' };
  return { ring };
}

// ---------------------------------------------------------------------------------------------------------------
// Publicity

export type PublicityEventKind = 'site-notice' | 'neighbour-letters' | 'press-advert' | 'website' | 'owner-notice';
export const PUBLICITY_EVENT_KINDS: Array<{ kind: PublicityEventKind; label: string }> = [
  { kind: 'site-notice', label: 'Site notice posted' },
  { kind: 'press-advert', label: 'Press advert published' },
  { kind: 'neighbour-letters', label: 'Neighbour letters sent' },
  { kind: 'website', label: 'Published on the website' },
  { kind: 'owner-notice', label: 'Owner notice served' },
];

export interface PublicityForm {
  kind: string;
  date: string;
  noticeCount: string;
  places: string;
  newspaper: string;
  editionDate: string;
  letterCount: string;
  runId: string;
  notes: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The body of POST /api/cases/:id/publicity-events for a form (only the kind's own fields), or what to fix. */
export function publicityEventBody(f: PublicityForm): { body: Record<string, unknown> } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const kind = PUBLICITY_EVENT_KINDS.find((k) => k.kind === f.kind)?.kind;
  if (!kind) errors.push({ field: 'kind', message: 'Choose what was done' });
  if (!ISO_DATE.test(f.date.trim()))
    errors.push({ field: 'date', message: 'Enter the date it was done, for example 2025-05-12' });
  const body: Record<string, unknown> = { kind, date: f.date.trim() };
  const count = (v: string, field: string, what: string, max: number) => {
    const n = Number(v.trim());
    if (v.trim() === '' || !Number.isInteger(n) || n < 1 || n > max)
      errors.push({ field, message: `Enter ${what} as a whole number from 1 to ${max}` });
    return n;
  };
  if (kind === 'site-notice') {
    body.noticeCount = count(f.noticeCount, 'noticeCount', 'how many notices were posted', 500);
    const places = f.places
      .split(/\r?\n/)
      .map((p) => p.trim())
      .filter(Boolean);
    if (!places.length)
      errors.push({ field: 'places', message: 'Enter where the notices were posted, one place per line' });
    else if (Number.isInteger(body.noticeCount) && places.length > (body.noticeCount as number))
      errors.push({ field: 'places', message: 'List no more places than the number of notices posted' });
    body.places = places;
  } else if (kind === 'press-advert') {
    if (!f.newspaper.trim()) errors.push({ field: 'newspaper', message: 'Enter the newspaper the advert appeared in' });
    body.newspaper = f.newspaper.trim();
    if (f.editionDate.trim()) {
      if (!ISO_DATE.test(f.editionDate.trim()))
        errors.push({ field: 'editionDate', message: 'Enter the edition date, for example 2025-05-12' });
      body.editionDate = f.editionDate.trim();
    }
  } else if (kind === 'neighbour-letters') {
    if (f.runId.trim()) body.runId = Number(f.runId);
    if (f.letterCount.trim())
      body.letterCount = count(f.letterCount, 'letterCount', 'how many letters were sent', 100_000);
    else if (!f.runId.trim())
      errors.push({
        field: 'letterCount',
        message: 'Enter how many letters were sent, or choose the notification run',
      });
  }
  if (f.notes.trim()) body.notes = f.notes.trim();
  return errors.length ? { errors } : { body };
}

// ---------------------------------------------------------------------------------------------------------------
// Documents

export const MAP_FILES = [
  { template: 'site-location', label: 'Site location plan' },
  { template: 'neighbours', label: 'Neighbour map' },
  { template: 'constraints', label: 'Constraints map' },
] as const;
export const MAP_SCALES = ['fit', '500', '1250', '2500', '5000'] as const;

/** The document kinds (shared/domain/documents.ts DOCUMENT_KINDS, KIND_INFO names; a unit test keeps them equal). */
export const DOCUMENT_KIND_NAMES = [
  { kind: 'neighbour-letter', name: 'Neighbour notification letters', applicationsOnly: true },
  { kind: 'consultee-letter', name: 'Consultee letter', applicationsOnly: true },
  { kind: 'site-notice', name: 'Site notice', applicationsOnly: true },
  { kind: 'press-advert', name: 'Press advert', applicationsOnly: true },
  { kind: 'decision-notice', name: 'Decision notice', applicationsOnly: true },
  { kind: 'site-history', name: 'Site history report', applicationsOnly: false },
] as const;

export interface MapOptions {
  template: string;
  paper: 'A4' | 'A3';
  orientation: 'portrait' | 'landscape';
  scale: string;
  dpi: '150' | '300';
  format?: 'png' | 'jpg';
  runId?: number | null;
  checkId?: number | null;
}

/** GET /api/cases/:id/maps/:file with the sheet chosen (server/modules/maps/routes.ts MapQuery). */
export function mapImageUrl(caseId: number | string, o: MapOptions): string {
  const q = new URLSearchParams({ paper: o.paper, orientation: o.orientation, scale: o.scale, dpi: o.dpi });
  if (o.runId) q.set('runId', String(o.runId));
  if (o.checkId) q.set('checkId', String(o.checkId));
  return `/api/cases/${encodeURIComponent(String(caseId))}/maps/${o.template}.${o.format ?? 'png'}?${q.toString()}`;
}

/** Lines typed in a textarea, trimmed, blanks dropped. */
export const linesOf = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** An API error's issue paths ("body.selection.radiusM", "body.reason") as the panel's field names. */
export function fieldOfIssue(path: string, fields: readonly string[]): string | null {
  const parts = path.split('.').filter((p) => p !== 'body' && p !== 'selection' && p !== 'recordEvent');
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i]!;
    if (fields.includes(p)) return p;
  }
  const alias: Record<string, string> = { radiusM: 'radius', toleranceM: 'tolerance', adjoining: 'tolerance' };
  for (const p of parts) if (alias[p] && fields.includes(alias[p])) return alias[p];
  return null;
}

export interface DocumentForm {
  kind: string;
  /** the letter's date ('' = today) */
  date: string;
  runId: string;
  /** neighbour letters: record them as sent on the letter's date */
  recordEvent: boolean;
  organisation: string;
  name: string;
  addressLines: string;
  postcode: string;
  conditions: string;
  reasons: string;
  withinM: string;
  includeEnforcement: boolean;
}

/** The body of POST /api/cases/:id/documents for a form (only the kind's own fields), or what to fix. */
export function documentBody(f: DocumentForm): { body: Record<string, unknown> } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const kind = DOCUMENT_KIND_NAMES.find((k) => k.kind === f.kind)?.kind;
  if (!kind) return { errors: [{ field: 'kind', message: 'Choose the document to produce' }] };
  const body: Record<string, unknown> = { kind };
  const date = f.date.trim();
  if (date) {
    if (!ISO_DATE.test(date)) errors.push({ field: 'date', message: 'Enter the date, for example 2025-05-12' });
    body.date = date;
  }
  if (kind === 'neighbour-letter') {
    if (f.runId.trim()) body.runId = Number(f.runId);
    if (f.recordEvent) body.recordEvent = { date: date || todayInLondon() };
  } else if (kind === 'consultee-letter') {
    const lines = linesOf(f.addressLines);
    if (!f.organisation.trim())
      errors.push({ field: 'organisation', message: 'Enter the organisation the letter goes to' });
    if (!lines.length) errors.push({ field: 'addressLines', message: 'Enter the address, one line per line' });
    else if (lines.length > 5)
      errors.push({ field: 'addressLines', message: 'Give at most 5 address lines (the postcode has its own box)' });
    body.consultee = {
      organisation: f.organisation.trim(),
      addressLines: lines,
      ...(f.name.trim() ? { name: f.name.trim() } : {}),
      ...(f.postcode.trim() ? { postcode: f.postcode.trim() } : {}),
    };
  } else if (kind === 'decision-notice') {
    const conditions = paragraphsOf(f.conditions);
    const reasons = paragraphsOf(f.reasons);
    if (conditions.length) body.conditions = conditions;
    if (reasons.length) body.reasons = reasons;
  } else if (kind === 'site-history') {
    if (f.withinM.trim()) {
      const m = Number(f.withinM);
      if (!Number.isFinite(m) || m < 0 || m > 500)
        errors.push({ field: 'withinM', message: 'The distance must be a number of metres from 0 to 500' });
      body.withinM = m;
    }
    if (f.includeEnforcement) body.includeEnforcement = true;
  }
  return errors.length ? { errors } : { body };
}

/** Paragraphs separated by blank lines (a condition or reason each). */
export const paragraphsOf = (text: string): string[] =>
  text
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean);

/** Today's date in the UK, 'YYYY-MM-DD'. */
export const todayInLondon = (now = new Date()): string =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
