/** The case page panels' pure helpers (client/src/staff/panels/format.ts): figures never a false zero, what changed
 *  between checks, the neighbour selection and its numbering, the publicity and document bodies, the map address. */
import { describe, expect, it } from 'vitest';
import {
  describeCheckChanges,
  documentBody,
  DOCUMENT_KIND_NAMES,
  fieldOfIssue,
  formatArea,
  formatDistance,
  formatHectares,
  formatPercent,
  mapImageUrl,
  nearestRecipient,
  numberLabels,
  numberRuns,
  paragraphsOf,
  parseCorners,
  publicityEventBody,
  reasonError,
  selectionOf,
  summaryText,
  toggleAddress,
  uncoveredText,
  type DocumentForm,
  type NeighbourState,
  type PublicityForm,
} from '../../client/src/staff/panels/format.ts';
import { DOCUMENT_KINDS, KIND_INFO } from '../../shared/domain/documents.ts';
import type { ConstraintReport, Hit, LayerResult } from '../../shared/domain/constraints.ts';

describe('formatDistance', () => {
  it('is 0 m only when it is 0', () => {
    expect(formatDistance(0)).toBe('0 m');
    expect(formatDistance(0.001)).toBe('less than 1 cm');
    expect(formatDistance(0.0099)).toBe('less than 1 cm');
    expect(formatDistance(1e-9)).toBe('less than 1 cm');
  });
  it('gives centimetres under 1 m, then metres, then km', () => {
    expect(formatDistance(0.01)).toBe('1 cm');
    expect(formatDistance(0.5)).toBe('50 cm');
    expect(formatDistance(1)).toBe('1 m');
    expect(formatDistance(12.345)).toBe('12.3 m');
    expect(formatDistance(250.4)).toBe('250 m');
    expect(formatDistance(12_345)).toBe('12.3 km');
  });
  it('says "not known" for no figure', () => {
    expect(formatDistance(null)).toBe('not known');
    expect(formatDistance(undefined)).toBe('not known');
    expect(formatDistance(Number.NaN)).toBe('not known');
  });
});

describe('formatArea, formatHectares, formatPercent', () => {
  it('never rounds a real area to 0', () => {
    expect(formatArea(0)).toBe('0 m²');
    expect(formatArea(0.000001)).toBe('less than 0.01 m²');
    expect(formatArea(0.01)).toBe('0.01 m²');
    expect(formatArea(5.555)).toBe('5.56 m²');
    expect(formatArea(123.44)).toBe('123.4 m²');
    expect(formatArea(12_345)).toBe('12,345 m² (1.23 ha)');
    expect(formatHectares(0.5)).toBe('less than 0.0001 ha');
    expect(formatHectares(0)).toBe('0 ha');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.0001)).toBe('less than 0.01%');
    expect(formatPercent(12.345)).toBe('12.3%');
  });
  it('says what is uncovered, and nothing when all is covered', () => {
    expect(uncoveredText({ uncoveredM2: 0, uncoveredReachM2: 0 })).toBe('');
    expect(uncoveredText({ uncoveredM2: 0.001 })).toBe("less than 0.01 m² of the site is outside the data's coverage");
  });
  it('summarises counts', () => {
    expect(summaryText({ constraint: 1, clear: 3, unknown: 0 })).toBe('1 constraint, 3 clear, 0 unknown');
    expect(summaryText(null)).toBe('no summary');
  });
});

const hit = (over: Partial<Hit>): Hit => ({
  featureId: 1,
  reference: 'LB1',
  name: 'Church',
  keyFields: [],
  relation: 'near',
  overlapM2: 0,
  overlapPct: 0,
  distanceM: 10,
  fired: true,
  why: '',
  ...over,
});
const layer = (id: string, status: LayerResult['status'], hits: Hit[]): LayerResult =>
  ({
    layerId: id,
    title: id === 'lb' ? 'Listed buildings' : 'Conservation areas',
    status,
    hits,
  }) as unknown as LayerResult;
const report = (layers: LayerResult[]): ConstraintReport => ({
  siteAreaM2: 100,
  summary: { constraint: 0, clear: 0, unknown: 0 },
  layers,
  publicity: [],
});

describe('describeCheckChanges', () => {
  it('is empty when nothing changed', () => {
    const r = report([layer('lb', 'constraint', [hit({})])]);
    expect(describeCheckChanges(r, structuredClone(r))).toEqual([]);
  });
  it('names status changes, new, gone and changed hits', () => {
    const before = report([
      layer('lb', 'constraint', [hit({}), hit({ reference: 'LB2', distanceM: 5 })]),
      layer('ca', 'clear', []),
    ]);
    const after = report([
      layer('lb', 'constraint', [hit({ distanceM: 0.004 }), hit({ reference: 'LB3', overlapM2: 2 })]),
      layer('ca', 'unknown', []),
    ]);
    const out = describeCheckChanges(before, after);
    expect(out).toContain('Conservation areas: clear before, unknown now.');
    expect(out).toContain("Listed buildings: 'LB1' changed from 10 m away to less than 1 cm away.");
    expect(out).toContain("Listed buildings: 'LB3' is new (overlap 2 m²).");
    expect(out).toContain("Listed buildings: 'LB2' is no longer found.");
    expect(out).toHaveLength(4);
  });
  it('says when a layer was added or is no longer checked', () => {
    const out = describeCheckChanges(report([layer('lb', 'clear', [])]), report([layer('ca', 'constraint', [])]));
    expect(out).toEqual([
      'Listed buildings: no longer checked (was clear).',
      'Conservation areas: checked for the first time (constraint).',
    ]);
  });
});

const state = (over: Partial<NeighbourState>): NeighbourState => ({
  mode: 'radius',
  radius: '50',
  tolerance: '',
  polygon: null,
  add: [],
  remove: [],
  ...over,
});

describe('selectionOf', () => {
  it('takes a radius from more than 0 up to exactly 1000 m', () => {
    expect(selectionOf(state({ radius: '1000' }))).toEqual({ selection: { radiusM: 1000 } });
    expect(selectionOf(state({ radius: '0.01' }))).toEqual({ selection: { radiusM: 0.01 } });
    expect(selectionOf(state({ radius: '1000.01' }))).toMatchObject({ errors: [{ field: 'radius' }] });
    expect(selectionOf(state({ radius: '0' }))).toMatchObject({ errors: [{ field: 'radius' }] });
    expect(selectionOf(state({ radius: '' }))).toMatchObject({ errors: [{ field: 'radius' }] });
    expect(selectionOf(state({ radius: 'ten' }))).toMatchObject({ errors: [{ field: 'radius' }] });
  });
  it('adjoining with the default or a tolerance from 0 to 20 m', () => {
    expect(selectionOf(state({ mode: 'adjoining' }))).toEqual({ selection: { adjoining: true } });
    expect(selectionOf(state({ mode: 'adjoining', tolerance: '0' }))).toEqual({
      selection: { adjoining: { toleranceM: 0 } },
    });
    expect(selectionOf(state({ mode: 'adjoining', tolerance: '20' }))).toEqual({
      selection: { adjoining: { toleranceM: 20 } },
    });
    expect(selectionOf(state({ mode: 'adjoining', tolerance: '20.01' }))).toMatchObject({
      errors: [{ field: 'tolerance' }],
    });
  });
  it('a drawn area in EPSG:27700, refused until there is one', () => {
    const ring = [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 0],
    ];
    expect(selectionOf(state({ mode: 'drawn', polygon: [ring] }))).toEqual({
      selection: { polygon: { type: 'Polygon', coordinates: [ring] }, crs: 'EPSG:27700' },
    });
    expect(selectionOf(state({ mode: 'drawn' }))).toMatchObject({ errors: [{ field: 'polygon' }] });
  });
  it('sends additions and removals with their reasons', () => {
    const s = selectionOf(state({ add: [{ uprn: 1, reason: 'asked' }], remove: [{ uprn: 2, reason: 'empty plot' }] }));
    expect(s).toEqual({
      selection: { radiusM: 50, add: [{ uprn: 1, reason: 'asked' }], remove: [{ uprn: 2, reason: 'empty plot' }] },
    });
  });
});

describe('toggleAddress and reasonError', () => {
  it('removes with a reason, and putting it back undoes the removal', () => {
    const removed = toggleAddress({ add: [], remove: [] }, 7, true, 'vacant');
    expect(removed).toEqual({ add: [], remove: [{ uprn: 7, reason: 'vacant' }] });
    expect(toggleAddress(removed, 7, false, '')).toEqual({ add: [], remove: [] });
  });
  it('adds with a reason, and taking it off undoes the addition', () => {
    const added = toggleAddress({ add: [], remove: [] }, 8, false, 'asked to be told');
    expect(added).toEqual({ add: [{ uprn: 8, reason: 'asked to be told' }], remove: [] });
    expect(toggleAddress(added, 8, true, '')).toEqual({ add: [], remove: [] });
  });
  it('wants 3 to 500 characters', () => {
    expect(reasonError('ab')).toMatch(/at least 3/);
    expect(reasonError('  ab  ')).toMatch(/at least 3/);
    expect(reasonError('abc')).toBeNull();
    expect(reasonError('x'.repeat(500))).toBeNull();
    expect(reasonError('x'.repeat(501))).toMatch(/500/);
  });
});

describe('numbering like the map', () => {
  it('puts numbers in runs', () => {
    expect(numberRuns([])).toBe('');
    expect(numberRuns([3])).toBe('3');
    expect(numberRuns([1, 2])).toBe('1, 2');
    expect(numberRuns([5, 1, 2, 3, 8, 9, 10, 12])).toBe('1–3, 5, 8–10, 12');
  });
  it('labels each address point once, with every number there', () => {
    const labels = numberLabels([
      { number: 3, x: 10, y: 10 },
      { number: 1, x: 0, y: 0 },
      { number: 2, x: 10, y: 10 },
      { number: 4, x: 10, y: 10.0004 },
    ]);
    expect(labels.map((l) => l.label)).toEqual(['1', '2–4']);
    expect(labels[1]).toMatchObject({ x: 10, y: 10, numbers: [2, 3, 4] });
  });
  it('finds the recipient clicked within the tolerance, inclusive', () => {
    const rs = [
      { uprn: 1, x: 0, y: 0 },
      { uprn: 2, x: 10, y: 0 },
    ];
    expect(nearestRecipient(rs, 6, 0, 5)?.uprn).toBe(2);
    expect(nearestRecipient(rs, 5, 0, 5)?.uprn).toBe(1);
    expect(nearestRecipient(rs, 5, 5.01, 5)).toBeNull();
    expect(nearestRecipient([], 0, 0, 5)).toBeNull();
  });
});

describe('parseCorners', () => {
  it('reads eastings and northings and closes the ring', () => {
    expect(parseCorners('530000 180000\n530010,180000\n530010 180010')).toEqual({
      ring: [
        [530000, 180000],
        [530010, 180000],
        [530010, 180010],
        [530000, 180000],
      ],
    });
  });
  it('names the line that is wrong, and wants 3 corners', () => {
    expect(parseCorners('530000 180000\nTQ 1 2')).toEqual({ error: expect.stringContaining('Line 2') });
    expect(parseCorners('1 1\n2 2')).toEqual({ error: expect.stringContaining('at least 3') });
  });
});

const pform = (over: Partial<PublicityForm>): PublicityForm => ({
  kind: 'site-notice',
  date: '2025-05-12',
  noticeCount: '',
  places: '',
  newspaper: '',
  editionDate: '',
  letterCount: '',
  runId: '',
  notes: '',
  ...over,
});

describe('publicityEventBody', () => {
  it('a site notice needs the count and the places, no more places than notices', () => {
    expect(publicityEventBody(pform({ noticeCount: '2', places: 'lamp post\n\ngate ' }))).toEqual({
      body: { kind: 'site-notice', date: '2025-05-12', noticeCount: 2, places: ['lamp post', 'gate'] },
    });
    const missing = publicityEventBody(pform({}));
    expect('errors' in missing && missing.errors.map((e) => e.field)).toEqual(['noticeCount', 'places']);
    const tooMany = publicityEventBody(pform({ noticeCount: '1', places: 'a\nb' }));
    expect('errors' in tooMany && tooMany.errors.map((e) => e.field)).toEqual(['places']);
  });
  it('a press advert needs the newspaper; only its own fields are sent', () => {
    expect(publicityEventBody(pform({ kind: 'press-advert', newspaper: 'Gazette', noticeCount: '3' }))).toEqual({
      body: { kind: 'press-advert', date: '2025-05-12', newspaper: 'Gazette' },
    });
    expect(publicityEventBody(pform({ kind: 'press-advert' }))).toMatchObject({ errors: [{ field: 'newspaper' }] });
  });
  it('letters need a count or the run', () => {
    expect(publicityEventBody(pform({ kind: 'neighbour-letters', runId: '4' }))).toEqual({
      body: { kind: 'neighbour-letters', date: '2025-05-12', runId: 4 },
    });
    expect(publicityEventBody(pform({ kind: 'neighbour-letters', letterCount: '12' }))).toEqual({
      body: { kind: 'neighbour-letters', date: '2025-05-12', letterCount: 12 },
    });
    expect(publicityEventBody(pform({ kind: 'neighbour-letters' }))).toMatchObject({
      errors: [{ field: 'letterCount' }],
    });
    expect(publicityEventBody(pform({ kind: 'neighbour-letters', letterCount: '0' }))).toMatchObject({
      errors: [{ field: 'letterCount' }],
    });
  });
  it('wants a kind and a date', () => {
    const r = publicityEventBody(pform({ kind: '', date: '12/05/2025' }));
    expect('errors' in r && r.errors.map((e) => e.field)).toEqual(['kind', 'date']);
    expect(publicityEventBody(pform({ kind: 'website', notes: ' on the portal ' }))).toEqual({
      body: { kind: 'website', date: '2025-05-12', notes: 'on the portal' },
    });
  });
});

const dform = (over: Partial<DocumentForm>): DocumentForm => ({
  kind: 'neighbour-letter',
  date: '',
  runId: '',
  recordEvent: false,
  organisation: '',
  name: '',
  addressLines: '',
  postcode: '',
  conditions: '',
  reasons: '',
  withinM: '',
  includeEnforcement: false,
  ...over,
});

describe('documents', () => {
  it('lists the kinds the API has, by their names', () => {
    expect(DOCUMENT_KIND_NAMES.map((k) => k.kind)).toEqual([...DOCUMENT_KINDS]);
    for (const k of DOCUMENT_KIND_NAMES) {
      expect(k.name).toBe(KIND_INFO[k.kind].name);
      expect(k.applicationsOnly).toBe(KIND_INFO[k.kind].applicationsOnly);
    }
  });
  it('sends each kind only its own fields', () => {
    expect(documentBody(dform({ runId: '3', recordEvent: true, date: '2025-05-12', organisation: 'x' }))).toEqual({
      body: { kind: 'neighbour-letter', date: '2025-05-12', runId: 3, recordEvent: { date: '2025-05-12' } },
    });
    expect(
      documentBody(
        dform({
          kind: 'consultee-letter',
          organisation: ' EA ',
          addressLines: 'Kings Meadow\n\nReading',
          postcode: 'rg1 8dq',
        }),
      ),
    ).toEqual({
      body: {
        kind: 'consultee-letter',
        consultee: { organisation: 'EA', addressLines: ['Kings Meadow', 'Reading'], postcode: 'rg1 8dq' },
      },
    });
    expect(documentBody(dform({ kind: 'consultee-letter' }))).toMatchObject({
      errors: [{ field: 'organisation' }, { field: 'addressLines' }],
    });
    expect(documentBody(dform({ kind: 'decision-notice', conditions: 'One\nline two\n\nTwo' }))).toEqual({
      body: { kind: 'decision-notice', conditions: ['One\nline two', 'Two'] },
    });
    expect(documentBody(dform({ kind: 'site-history', withinM: '500', includeEnforcement: true }))).toEqual({
      body: { kind: 'site-history', withinM: 500, includeEnforcement: true },
    });
    expect(documentBody(dform({ kind: 'site-history', withinM: '500.5' }))).toMatchObject({
      errors: [{ field: 'withinM' }],
    });
    expect(documentBody(dform({ kind: '' }))).toMatchObject({ errors: [{ field: 'kind' }] });
    expect(paragraphsOf('\n\n')).toEqual([]);
  });
  it('builds the map address with the sheet chosen', () => {
    expect(
      mapImageUrl(12, {
        template: 'neighbours',
        paper: 'A3',
        orientation: 'landscape',
        scale: '1250',
        dpi: '300',
        runId: 4,
      }),
    ).toBe('/api/cases/12/maps/neighbours.png?paper=A3&orientation=landscape&scale=1250&dpi=300&runId=4');
  });
});

describe('fieldOfIssue', () => {
  it("finds the panel's field for an API issue path", () => {
    expect(fieldOfIssue('body.selection.radiusM', ['radius'])).toBe('radius');
    expect(fieldOfIssue('body.consultee.organisation', ['organisation'])).toBe('organisation');
    expect(fieldOfIssue('body.reason', ['decision', 'reason'])).toBe('reason');
    expect(fieldOfIssue('body.other', ['reason'])).toBeNull();
  });
});
