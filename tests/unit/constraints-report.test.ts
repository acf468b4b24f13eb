/**
 * The constraint report (shared/domain/constraints.ts), pure: buildReport / relationOf / diffReports / fill on
 * hand-made rows shaped like sql/queries/constraint_check.sql's output, with the real built-in definitions
 * (layers/definitions/*.json) where their wording matters.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LayerDefinition, type LayerDefinitionInput } from '../../shared/layer-schema.ts';
import {
  buildReport,
  diffReports,
  fill,
  formatDistance,
  formatOverlap,
  relationOf,
  type CheckRow,
  type ConstraintReport,
  type LayerInfo,
} from '../../shared/domain/constraints.ts';

const DEFS_DIR = fileURLToPath(new URL('../../layers/definitions/', import.meta.url));
const builtin = (id: string): LayerDefinition =>
  LayerDefinition.parse(JSON.parse(fs.readFileSync(`${DEFS_DIR}${id}.json`, 'utf8')));

const CA = builtin('conservation-area');
const LB = builtin('listed-building');
const LBO = builtin('listed-building-outline');
const TPO = builtin('tree-preservation-zone');

/** a local layer definition with the schema's defaults filled in */
const local = (over: Partial<LayerDefinitionInput> & Pick<LayerDefinitionInput, 'id'>): LayerDefinition =>
  LayerDefinition.parse({
    title: 'Test area',
    category: 'local',
    dataset: null,
    geometryKind: 'polygon',
    rule: { kind: 'intersects' },
    ruleReason: 'A test rule.',
    report: {
      positive: 'The site is {relation} test area {name} ({overlap}).',
      negative: 'The site is not in a test area.',
    },
    style: {},
    public: false,
    provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
    ...over,
  });

const info = (definition: LayerDefinition, over: Partial<LayerInfo> = {}): LayerInfo => ({
  id: definition.id,
  title: definition.title,
  category: definition.category,
  definition,
  definitionHash: `hash-${definition.id}`,
  dataVersion: 3,
  loadedAt: '2024-05-01T10:00:00.000Z',
  sourceHash: 'abc',
  lastLoad: null,
  ...over,
});

/** the one row a layer gets when no feature is near the site */
const empty = (layerId: string, over: Partial<CheckRow> = {}): CheckRow => ({
  layer_id: layerId,
  data_version: 3,
  loaded: true,
  covered: true,
  site_area_m2: 100,
  feature_id: null,
  source_ref: null,
  name: null,
  properties: null,
  feature_dim: null,
  distance_m: null,
  overlap_m2: null,
  intersects: null,
  feature_within_site: null,
  ...over,
});

let nextId = 1;
/** a candidate feature's row: a polygon overlapping nothing by default */
const hitRow = (layerId: string, over: Partial<CheckRow> = {}): CheckRow =>
  empty(layerId, {
    feature_id: nextId++,
    source_ref: 'REF',
    name: 'Feature',
    properties: {},
    feature_dim: 2,
    distance_m: 0,
    overlap_m2: 0,
    intersects: false,
    feature_within_site: false,
    ...over,
  });

const layerOf = (report: ConstraintReport, id: string) => {
  const l = report.layers.find((x) => x.layerId === id);
  if (!l) throw new Error(`no layer ${id} in the report`);
  return l;
};

describe('status: never "clear" when the answer is not known', () => {
  it('is unknown when the layer has never been loaded (data version 0)', () => {
    const r = buildReport(
      100,
      [info(CA, { dataVersion: 0, loadedAt: null })],
      [empty(CA.id, { loaded: false, data_version: 0, covered: false })],
    );
    const l = layerOf(r, CA.id);
    expect(l.status).toBe('unknown');
    expect(l.sentence).toBe('No data has been loaded for conservation area, so it cannot be checked.');
    expect(l.hits).toEqual([]);
    expect(l.loadedAt).toBeNull();
    expect(r.summary).toEqual({ constraint: 0, clear: 0, unknown: 1 });
  });

  it('is unknown when the query returned no row at all for a requested layer', () => {
    const r = buildReport(100, [info(CA)], []);
    expect(layerOf(r, CA.id).status).toBe('unknown');
  });

  it('is unknown, not clear, when the site is outside the layer coverage and nothing is near it', () => {
    const r = buildReport(100, [info(CA)], [empty(CA.id, { covered: false })]);
    const l = layerOf(r, CA.id);
    expect(l.status).toBe('unknown');
    expect(l.sentence).toMatch(/does not cover the whole site.*cannot say it is clear/);
  });

  it('is unknown, not clear, when outside coverage and the only hits did not fire (a sliver, a touch)', () => {
    const rows = [
      hitRow(CA.id, { covered: false, overlap_m2: 0.2, intersects: true, source_ref: '9' }),
      hitRow(CA.id, { covered: false, overlap_m2: 0, intersects: true, source_ref: '10' }),
    ];
    const l = layerOf(buildReport(1000, [info(CA)], rows), CA.id);
    expect(l.status).toBe('unknown');
    expect(l.hits.map((h) => h.fired)).toEqual([false, false]);
  });

  it('is unknown when the layer query failed, with the failure in the sentence, while other layers answer', () => {
    const failures = new Map([[TPO.id, 'invalid input syntax for type double precision: "twenty"']]);
    const r = buildReport(100, [info(TPO), info(CA)], [empty(CA.id)], failures);
    expect(layerOf(r, TPO.id).status).toBe('unknown');
    expect(layerOf(r, TPO.id).sentence).toBe(
      'Could not check this layer: invalid input syntax for type double precision: "twenty"',
    );
    expect(layerOf(r, CA.id).status).toBe('clear');
    expect(r.summary).toEqual({ constraint: 0, clear: 1, unknown: 1 });
  });

  it('is unknown when the layer failed even if rows for it say loaded, covered and empty', () => {
    const r = buildReport(100, [info(CA)], [empty(CA.id)], new Map([[CA.id, 'statement timeout']]));
    expect(layerOf(r, CA.id).status).toBe('unknown');
  });

  it("is clear only when loaded, covered, queried and nothing fired, with the definition's negative sentence", () => {
    const rows = [hitRow(CA.id, { overlap_m2: 0, intersects: true })];
    const l = layerOf(buildReport(100, [info(CA)], rows), CA.id);
    expect(l.status).toBe('clear');
    expect(l.sentence).toBe('The site is not in a conservation area.');
    expect(l.hits).toHaveLength(1);
  });
});

describe('constraint status and caveats', () => {
  it('a fired hit makes the layer a constraint even when part of the site is outside coverage, with a caveat', () => {
    const rows = [hitRow(CA.id, { covered: false, overlap_m2: 40, intersects: true, name: 'Borough High Street' })];
    const l = layerOf(buildReport(100, [info(CA)], rows), CA.id);
    expect(l.status).toBe('constraint');
    expect(l.caveats).toEqual(["Part of the site is outside this layer's data coverage: there may be more."]);
  });

  it('has no coverage caveat when the site is covered', () => {
    const rows = [hitRow(CA.id, { overlap_m2: 40, intersects: true })];
    expect(layerOf(buildReport(100, [info(CA)], rows), CA.id).caveats).toEqual([]);
  });

  it('warns about features the last load skipped for having no geometry', () => {
    const l = layerOf(
      buildReport(100, [info(TPO, { lastLoad: { skipped: { 'no-geometry': 11 } } })], [empty(TPO.id)]),
      TPO.id,
    );
    expect(l.status).toBe('clear');
    expect(l.caveats).toEqual([
      '11 features of this layer had no location in the source data and could not be checked.',
    ]);
    const one = layerOf(
      buildReport(100, [info(TPO, { lastLoad: { skipped: { 'no-geometry': 1 } } })], [empty(TPO.id)]),
      TPO.id,
    );
    expect(one.caveats).toEqual([
      '1 feature of this layer had no location in the source data and could not be checked.',
    ]);
  });

  it("carries the layer's rule, reason, version, definition hash and load time", () => {
    const l = layerOf(buildReport(100, [info(TPO)], [empty(TPO.id)]), TPO.id);
    expect(l).toMatchObject({
      rule: { kind: 'within', distanceM: 15 },
      ruleReason: TPO.ruleReason,
      dataVersion: 3,
      definitionHash: 'hash-tree-preservation-zone',
      loadedAt: '2024-05-01T10:00:00.000Z',
      title: 'Tree preservation order zone',
      category: 'trees',
    });
  });
});

describe('intersects rule: overlap thresholds (1 m² or 0.5% of the site)', () => {
  const fired = (site: number, overlap: number) =>
    layerOf(
      buildReport(site, [info(CA)], [hitRow(CA.id, { site_area_m2: site, overlap_m2: overlap, intersects: true })]),
      CA.id,
    );

  it('does not fire for a shared boundary alone: relation touches, overlap 0, distance 0', () => {
    const l = layerOf(
      buildReport(100, [info(CA)], [hitRow(CA.id, { overlap_m2: 0, intersects: true, name: 'Walworth Road' })]),
      CA.id,
    );
    expect(l.status).toBe('clear');
    expect(l.hits[0]).toMatchObject({ relation: 'touches', overlapM2: 0, overlapPct: 0, distanceM: 0, fired: false });
    expect(l.hits[0]!.why).toBe(
      "Conservation area 'Walworth Road' only shares a boundary with the site (no overlap), so it is not a constraint under the rule (an overlap of at least 1 m² or 0.5% of the site).",
    );
  });

  it('does not fire for a sliver below both thresholds (0.9 m² = 0.09% of a 1000 m² site) and calls it a sliver', () => {
    const l = fired(1000, 0.9);
    expect(l.status).toBe('clear');
    expect(l.hits[0]).toMatchObject({ relation: 'overlaps', overlapM2: 0.9, overlapPct: 0.09, fired: false });
    expect(l.hits[0]!.why).toContain(
      "overlaps the site by only 0.9 m², 0.09% of the site, below the rule's 1 m² and 0.5%",
    );
    expect(l.hits[0]!.why).toContain('digitising sliver');
  });

  it('fires at exactly 1 m² on a large site although that is only 0.01% of it', () => {
    const l = fired(10_000, 1);
    expect(l.status).toBe('constraint');
    expect(l.hits[0]).toMatchObject({ overlapM2: 1, overlapPct: 0.01, fired: true });
  });

  it('fires at exactly 0.5% of a small site although that is under 1 m²', () => {
    const l = fired(100, 0.5);
    expect(l.status).toBe('constraint');
    expect(l.hits[0]).toMatchObject({ overlapM2: 0.5, overlapPct: 0.5, fired: true });
  });

  it('does not fire just under both thresholds: 0.99 m² = 0.495% of a 200 m² site', () => {
    expect(fired(200, 0.99).hits[0]!.fired).toBe(false);
    expect(fired(200, 0.99).status).toBe('clear');
  });

  it("uses the layer's own thresholds", () => {
    const strict = local({ id: 'strict', rule: { kind: 'intersects', minOverlapM2: 10, minOverlapPct: 5 } });
    const at = (overlap: number) =>
      layerOf(
        buildReport(
          1000,
          [info(strict)],
          [hitRow('strict', { site_area_m2: 1000, overlap_m2: overlap, intersects: true })],
        ),
        'strict',
      ).hits[0]!;
    expect(at(9.99).fired).toBe(false);
    expect(at(10).fired).toBe(true);
    expect(at(9.99).why).toContain("below the rule's 10 m² and 5%");
  });

  it('fires a point feature in the site or on its edge, not one merely near it', () => {
    const pts = local({
      id: 'pts',
      geometryKind: 'point',
      report: { positive: 'Point {name} is here.', negative: 'No points.' },
    });
    const rows = [
      hitRow('pts', { feature_dim: 0, intersects: true, feature_within_site: true, source_ref: 'in', name: 'In' }),
      hitRow('pts', { feature_dim: 0, intersects: true, feature_within_site: false, source_ref: 'edge', name: 'Edge' }),
      hitRow('pts', {
        feature_dim: 0,
        intersects: false,
        feature_within_site: false,
        distance_m: 0.5,
        source_ref: 'out',
        name: 'Out',
      }),
    ];
    const l = layerOf(buildReport(100, [info(pts)], rows), 'pts');
    expect(l.hits.map((h) => [h.reference, h.relation, h.fired])).toEqual([
      ['in', 'feature-within-site', true],
      ['edge', 'touches', true],
      ['out', 'near', false],
    ]);
    expect(l.hits[0]!.why).toBe('Point In is here. It lies on the site.');
    expect(l.status).toBe('constraint');
  });
});

describe('within rule: distance', () => {
  const at = (d: number, def = LB) =>
    layerOf(
      buildReport(
        100,
        [info(def)],
        [
          hitRow(def.id, {
            feature_dim: 0,
            distance_m: d,
            name: 'The Old Vicarage',
            properties: { 'listed-building-grade': 'II' },
          }),
        ],
      ),
      def.id,
    );

  it('fires a within-50 m layer for a feature exactly 50 m away but not 50.01 m away', () => {
    expect(at(50).status).toBe('constraint');
    expect(at(50).hits[0]).toMatchObject({ relation: 'near', distanceM: 50, fired: true });
    expect(at(50.01).status).toBe('clear');
    expect(at(50.01).hits[0]).toMatchObject({ distanceM: 50.01, fired: false });
    expect(at(62.44).hits[0]!.why).toBe(
      "Listed building 'The Old Vicarage' is 62.4 m from the red line, beyond the rule's 50 m.",
    );
  });

  it('fires for a feature touching the site (distance 0) and says it touches the red line', () => {
    const l = layerOf(
      buildReport(
        100,
        [info(LBO)],
        [
          hitRow(LBO.id, {
            intersects: true,
            distance_m: 0,
            overlap_m2: 0,
            name: "Guy's Hospital",
            properties: { 'listed-building-grade': 'II*' },
          }),
        ],
      ),
      LBO.id,
    );
    expect(l.hits[0]).toMatchObject({ relation: 'touches', distanceM: 0, fired: true });
    expect(l.sentence).toBe(
      "Grade II* listed building Guy's Hospital is touching the red line (rule: within 50 m, setting).",
    );
  });

  it('fires for a polygon the site lies in, partly in, or that lies on the site', () => {
    const rows = [
      hitRow(TPO.id, {
        overlap_m2: 100,
        intersects: true,
        source_ref: '516',
        properties: { 'tree-preservation-zone-type': 'area' },
      }),
      hitRow(TPO.id, {
        overlap_m2: 30,
        intersects: true,
        source_ref: '55',
        properties: { 'tree-preservation-zone-type': 'group' },
      }),
      hitRow(TPO.id, {
        overlap_m2: 4,
        intersects: true,
        feature_within_site: true,
        source_ref: '44',
        properties: { 'tree-preservation-zone-type': 'individual' },
      }),
    ];
    const l = layerOf(buildReport(100, [info(TPO)], rows), TPO.id);
    expect(l.hits.map((h) => [h.relation, h.fired])).toEqual([
      ['site-within-feature', true],
      ['overlaps', true],
      ['feature-within-site', true],
    ]);
    expect(l.hits.map((h) => h.why)).toEqual([
      'Tree preservation order 516 (area) is across the whole site (rule: within 15 m, root protection).',
      'Tree preservation order 55 (group) is partly on the site (rule: within 15 m, root protection).',
      'Tree preservation order 44 (individual) is on the site (rule: within 15 m, root protection).',
    ]);
    expect(l.sentence).toBe(`${l.hits[0]!.why} (and 2 more)`);
  });
});

describe('relationOf', () => {
  const rel = (over: Partial<CheckRow>) => relationOf(hitRow('x', over));
  it('is site-within-feature when a polygon overlaps the whole site (to 1e-9 relative)', () => {
    expect(rel({ site_area_m2: 1200, overlap_m2: 1200, intersects: true })).toBe('site-within-feature');
    expect(rel({ site_area_m2: 1200, overlap_m2: 1200 * (1 - 1e-12), intersects: true })).toBe('site-within-feature');
    expect(rel({ site_area_m2: 1200, overlap_m2: 1199.99, intersects: true })).toBe('overlaps');
  });
  it('prefers site-within-feature over feature-within-site when the feature is the site', () => {
    expect(rel({ site_area_m2: 100, overlap_m2: 100, intersects: true, feature_within_site: true })).toBe(
      'site-within-feature',
    );
  });
  it('is feature-within-site, overlaps, touches or near for polygons', () => {
    expect(rel({ site_area_m2: 100, overlap_m2: 12, intersects: true, feature_within_site: true })).toBe(
      'feature-within-site',
    );
    expect(rel({ site_area_m2: 100, overlap_m2: 12, intersects: true })).toBe('overlaps');
    expect(rel({ overlap_m2: 0, intersects: true })).toBe('touches');
    expect(rel({ overlap_m2: 0, intersects: false, distance_m: 3 })).toBe('near');
    expect(rel({ overlap_m2: null, intersects: false, distance_m: 3 })).toBe('near');
  });
  it('is feature-within-site, touches or near for points', () => {
    expect(rel({ feature_dim: 0, intersects: true, feature_within_site: true })).toBe('feature-within-site');
    expect(rel({ feature_dim: 0, intersects: true, feature_within_site: false })).toBe('touches');
    expect(rel({ feature_dim: 0, intersects: false, feature_within_site: false, distance_m: 7 })).toBe('near');
  });
});

describe('publicity', () => {
  const rows = {
    ca: hitRow(CA.id, { overlap_m2: 100, intersects: true, name: 'Borough High Street' }),
    lb: hitRow(LB.id, {
      feature_dim: 0,
      distance_m: 12,
      name: 'The George Inn',
      properties: { 'listed-building-grade': 'I' },
    }),
    tpo: hitRow(TPO.id, { distance_m: 3, source_ref: '516' }),
  };

  it('lists conservation-area and listed-building-setting publicity when those layers are constraints, and nothing for other constraints', () => {
    const r = buildReport(100, [info(CA), info(LB), info(TPO)], [rows.ca, rows.lb, rows.tpo]);
    expect(r.summary).toEqual({ constraint: 3, clear: 0, unknown: 0 });
    expect(r.publicity.map((p) => [p.trigger, p.layerId])).toEqual([
      ['conservation-area', 'conservation-area'],
      ['listed-building-setting', 'listed-building'],
    ]);
    expect(r.publicity[0]!.because).toBe(layerOf(r, CA.id).sentence);
    expect(r.publicity[0]!.requirement).toMatch(/conservation area: newspaper notice and site notice/);
    expect(r.publicity[1]!.requirement).toMatch(/setting of a listed building.*Historic England for grade I or II\*/);
  });

  it('lists no publicity when those layers are clear or unknown', () => {
    const clear = buildReport(
      100,
      [info(CA), info(LB)],
      [empty(CA.id), hitRow(LB.id, { feature_dim: 0, distance_m: 50.5 })],
    );
    expect(clear.layers.map((l) => l.status)).toEqual(['clear', 'clear']);
    expect(clear.publicity).toEqual([]);
    const unknown = buildReport(
      100,
      [info(CA), info(LB)],
      [empty(CA.id, { covered: false }), empty(LB.id, { loaded: false })],
    );
    expect(unknown.layers.map((l) => l.status)).toEqual(['unknown', 'unknown']);
    expect(unknown.publicity).toEqual([]);
    const failed = buildReport(100, [info(CA)], [], new Map([[CA.id, 'boom']]));
    expect(failed.publicity).toEqual([]);
  });
});

describe('sentences', () => {
  it('name the feature, the relation, the overlap and the rule for an intersects layer', () => {
    const l = layerOf(
      buildReport(
        250,
        [info(CA)],
        [hitRow(CA.id, { site_area_m2: 250, overlap_m2: 62.5, intersects: true, name: 'Bermondsey Street' })],
      ),
      CA.id,
    );
    expect(l.sentence).toBe(
      'The site is partly within the Bermondsey Street conservation area (62.5 m², 25% of the site). Rule: an overlap of at least 1 m² or 0.5% of the site.',
    );
  });

  it('say "entirely within" with 100% when the site is inside the area', () => {
    const l = layerOf(
      buildReport(100, [info(CA)], [hitRow(CA.id, { overlap_m2: 100, intersects: true, name: 'Borough High Street' })]),
      CA.id,
    );
    expect(l.sentence).toBe(
      'The site is entirely within the Borough High Street conservation area (100 m², 100% of the site). Rule: an overlap of at least 1 m² or 0.5% of the site.',
    );
    expect(l.hits[0]).toMatchObject({ relation: 'site-within-feature', overlapM2: 100, overlapPct: 100 });
  });

  it('name the feature, its distance and the rule for a within layer', () => {
    const l = layerOf(
      buildReport(
        100,
        [info(LB)],
        [
          hitRow(LB.id, {
            feature_dim: 0,
            distance_m: 12.346,
            name: 'The Old Vicarage',
            source_ref: '1385',
            properties: { 'listed-building-grade': 'II' },
          }),
        ],
      ),
      LB.id,
    );
    expect(l.sentence).toBe(
      'Grade II listed building The Old Vicarage is 12.3 m from the red line (rule: within 50 m, setting).',
    );
    expect(l.hits[0]!.distanceM).toBe(12.346); // issue 11: to 0.001 m (was 12.35)
    expect(l.hits[0]!.keyFields).toEqual([
      { label: 'Grade', field: 'listed-building-grade', value: 'II' },
      { label: 'List entry', field: 'reference', value: '1385' },
    ]);
  });

  it('fall back to the address, then the reference, then the feature id for the name, and say "not recorded" for missing fields', () => {
    const rows = [
      hitRow(LBO.id, {
        distance_m: 5,
        name: null,
        source_ref: '470662',
        properties: { 'address-text': '77 Borough High Street' },
      }),
      hitRow(LBO.id, { distance_m: 6, name: null, source_ref: '470663', properties: {} }),
      hitRow(LBO.id, { distance_m: 7, name: null, source_ref: null, properties: null, feature_id: 4242 }),
    ];
    const l = layerOf(buildReport(100, [info(LBO)], rows), LBO.id);
    expect(l.hits.map((h) => h.why)).toEqual([
      'Grade not recorded listed building 77 Borough High Street is 5 m from the red line (rule: within 50 m, setting).',
      'Grade not recorded listed building 470663 is 6 m from the red line (rule: within 50 m, setting).',
      'Grade not recorded listed building feature 4242 is 7 m from the red line (rule: within 50 m, setting).',
    ]);
    expect(l.hits[0]!.name).toBeNull();
  });

  it('round distances and overlaps for display, and hits to 0.001 m² and 0.0001 % (issue 11; were 2 decimals)', () => {
    expect(formatDistance(0)).toBe('0 m');
    expect(formatDistance(0.456)).toBe('0.46 m');
    expect(formatDistance(12.345)).toBe('12.3 m');
    expect(formatDistance(150.4)).toBe('150 m');
    expect(formatOverlap(0.256, 0.0256)).toBe('0.26 m², 0.03% of the site');
    expect(formatOverlap(1234.56, 45.678)).toBe('1234.6 m², 45.7% of the site');
    const l = layerOf(
      buildReport(300, [info(CA)], [hitRow(CA.id, { site_area_m2: 300, overlap_m2: 100.004, intersects: true })]),
      CA.id,
    );
    expect(l.hits[0]).toMatchObject({ overlapM2: 100.004, overlapPct: 33.3347 });
  });
});

describe('fill', () => {
  it('fills {name}, hyphenated property names and numbers', () => {
    expect(
      fill('{name} ({listed-building-grade}) at {distance}, {n}', {
        name: 'St Mary',
        'listed-building-grade': 'II*',
        distance: '3 m',
        n: 0,
      }),
    ).toBe('St Mary (II*) at 3 m, 0');
  });
  it('says "not recorded" for a missing, null or empty value, and leaves other text alone', () => {
    expect(fill('Rights withdrawn: {permitted-development-rights}.', {})).toBe('Rights withdrawn: not recorded.');
    expect(fill('{a}|{b}|{c}', { a: null, b: '', c: undefined })).toBe('not recorded|not recorded|not recorded');
    expect(fill('no {braces here} or {} {x y}', { x: 1 })).toBe('no {braces here} or {} {x y}');
  });
});

describe('diffReports', () => {
  const NEAR = local({
    id: 'near-layer',
    rule: { kind: 'within', distanceM: 20 },
    report: { positive: '{name} is {where}.', negative: 'Nothing near.' },
  });
  const before = buildReport(
    100,
    [info(CA), info(NEAR), info(TPO)],
    [
      hitRow(CA.id, { overlap_m2: 50, intersects: true, source_ref: 'A', name: 'Alpha' }),
      hitRow(CA.id, { overlap_m2: 0, intersects: true, source_ref: 'B', name: 'Beta' }),
      hitRow(NEAR.id, { distance_m: 10, source_ref: 'Q' }),
      empty(TPO.id),
    ],
  );

  it('finds nothing when the reports are the same (hits matched by reference, not feature id)', () => {
    const same = buildReport(
      100,
      [info(CA), info(NEAR), info(TPO)],
      [
        hitRow(CA.id, { overlap_m2: 50, intersects: true, source_ref: 'A', name: 'Alpha' }),
        hitRow(CA.id, { overlap_m2: 0, intersects: true, source_ref: 'B', name: 'Beta' }),
        hitRow(NEAR.id, { distance_m: 10, source_ref: 'Q' }),
        empty(TPO.id),
      ],
    );
    expect(same.layers[0]!.hits[0]!.featureId).not.toBe(before.layers[0]!.hits[0]!.featureId);
    expect(diffReports(before, same)).toEqual({ statusChanges: [], hitChanges: [] });
  });

  it('finds added, removed and changed hits and status changes', () => {
    const after = buildReport(
      100,
      [info(CA), info(NEAR), info(TPO)],
      [
        hitRow(CA.id, { overlap_m2: 25, intersects: true, source_ref: 'A', name: 'Alpha' }),
        hitRow(CA.id, { overlap_m2: 4, intersects: true, feature_within_site: true, source_ref: 'C', name: 'Gamma' }),
        empty(NEAR.id),
        empty(TPO.id, { covered: false }),
      ],
    );
    const d = diffReports(before, after);
    expect(d.statusChanges).toEqual([
      { layerId: NEAR.id, before: 'constraint', after: 'clear' },
      { layerId: TPO.id, before: 'clear', after: 'unknown' },
    ]);
    expect(d.hitChanges).toEqual([
      {
        layerId: CA.id,
        key: 'A',
        change: 'changed',
        before: { relation: 'overlaps', distanceM: 0, overlapM2: 50, fired: true },
        after: { relation: 'overlaps', distanceM: 0, overlapM2: 25, fired: true },
      },
      {
        layerId: CA.id,
        key: 'C',
        change: 'added',
        before: null,
        after: { relation: 'feature-within-site', distanceM: 0, overlapM2: 4, fired: true },
      },
      {
        layerId: CA.id,
        key: 'B',
        change: 'removed',
        before: { relation: 'touches', distanceM: 0, overlapM2: 0, fired: false },
        after: null,
      },
      {
        layerId: NEAR.id,
        key: 'Q',
        change: 'removed',
        before: { relation: 'near', distanceM: 10, overlapM2: 0, fired: true },
        after: null,
      },
    ]);
  });

  it('reports a layer that is in only one of the reports as a status change to or from null', () => {
    const fewer = buildReport(
      100,
      [info(CA)],
      [
        hitRow(CA.id, { overlap_m2: 50, intersects: true, source_ref: 'A', name: 'Alpha' }),
        hitRow(CA.id, { overlap_m2: 0, intersects: true, source_ref: 'B', name: 'Beta' }),
      ],
    );
    const d = diffReports(before, fewer);
    expect(d.statusChanges).toEqual([
      { layerId: NEAR.id, before: 'constraint', after: null },
      { layerId: TPO.id, before: 'clear', after: null },
    ]);
    expect(d.hitChanges).toEqual([
      {
        layerId: NEAR.id,
        key: 'Q',
        change: 'removed',
        before: { relation: 'near', distanceM: 10, overlapM2: 0, fired: true },
        after: null,
      },
    ]);
    expect(diffReports(fewer, before).statusChanges).toEqual([
      { layerId: NEAR.id, before: null, after: 'constraint' },
      { layerId: TPO.id, before: null, after: 'clear' },
    ]);
  });

  it('matches hits by name, then feature id, when a feature has no reference', () => {
    const a = buildReport(
      100,
      [info(NEAR)],
      [hitRow(NEAR.id, { distance_m: 3, source_ref: null, name: 'Unnamed pond' })],
    );
    const b = buildReport(
      100,
      [info(NEAR)],
      [hitRow(NEAR.id, { distance_m: 4, source_ref: null, name: 'Unnamed pond' })],
    );
    expect(diffReports(a, b).hitChanges).toEqual([
      {
        layerId: NEAR.id,
        key: 'Unnamed pond',
        change: 'changed',
        before: { relation: 'near', distanceM: 3, overlapM2: 0, fired: true },
        after: { relation: 'near', distanceM: 4, overlapM2: 0, fired: true },
      },
    ]);
  });

  it('does not lose a removed hit when two features share a reference (one listed building drawn as two polygons)', () => {
    // Southwark's listed building outlines: 911 polygons, 901 list entries
    const two = buildReport(
      100,
      [info(LBO)],
      [
        hitRow(LBO.id, { distance_m: 10, source_ref: '470973', name: null }),
        hitRow(LBO.id, { distance_m: 30, source_ref: '470973', name: null }),
      ],
    );
    const farOnly = buildReport(
      100,
      [info(LBO)],
      [hitRow(LBO.id, { distance_m: 30, source_ref: '470973', name: null })],
    );
    const d = diffReports(two, farOnly);
    expect(d.statusChanges).toEqual([]);
    expect(d.hitChanges).toEqual([
      {
        layerId: LBO.id,
        key: '470973',
        change: 'removed',
        before: { relation: 'near', distanceM: 10, overlapM2: 0, fired: true },
        after: null,
      },
    ]);
    expect(diffReports(farOnly, two).hitChanges).toEqual([
      {
        layerId: LBO.id,
        key: '470973',
        change: 'added',
        before: null,
        after: { relation: 'near', distanceM: 10, overlapM2: 0, fired: true },
      },
    ]);
    expect(diffReports(two, two).hitChanges).toEqual([]);
  });
});
