/**
 * The constraint report (pure): from the rows of sql/queries/constraint_check.sql and the layers' definitions,
 * each layer's status (constraint / clear / unknown), each hit's relation, overlap, distance, whether the rule
 * fired and a sentence saying why. Never "clear" when the answer is not known.
 */
import type { LayerDefinition } from '../layer-schema.ts';

export type Relation = 'site-within-feature' | 'feature-within-site' | 'overlaps' | 'touches' | 'near';
export type Status = 'constraint' | 'clear' | 'unknown';

export interface CheckRow {
  layer_id: string;
  data_version: number;
  /** the layer's definition_hash as the check statement saw it (the cached definitions are checked against it) */
  definition_hash?: string;
  loaded: boolean;
  covered: boolean;
  /** m² of the site beyond the layer's coverage (the whole site when it has none) */
  uncovered_m2?: number | null;
  /** within-N rules: m² within N m of the site (outside it) beyond the coverage (approximate: a buffer polygon) */
  uncovered_reach_m2?: number | null;
  site_area_m2: number;
  feature_id: number | null;
  source_ref: string | null;
  name: string | null;
  properties: Record<string, unknown> | null;
  feature_dim: number | null;
  distance_m: number | null;
  overlap_m2: number | null;
  intersects: boolean | null;
  feature_within_site: boolean | null;
  starts_on?: string | Date | null;
}

export interface LayerInfo {
  id: string;
  title: string;
  category: string;
  definition: LayerDefinition;
  definitionHash: string;
  dataVersion: number;
  loadedAt: Date | string | null;
  sourceHash: string | null;
  lastLoad?: { skipped?: Record<string, number> } | null;
}

export interface Hit {
  featureId: number;
  reference: string | null;
  name: string | null;
  keyFields: Array<{ label: string; field: string; value: unknown }>;
  relation: Relation;
  overlapM2: number;
  overlapPct: number;
  distanceM: number;
  fired: boolean;
  why: string;
}

export interface LayerResult {
  layerId: string;
  title: string;
  category: string;
  status: Status;
  sentence: string;
  rule: LayerDefinition['rule'];
  ruleReason: string;
  dataVersion: number;
  definitionHash: string;
  loadedAt: string | null;
  publicity: LayerDefinition['publicity'];
  caveats: string[];
  /** m² of the site beyond the layer's data coverage (0.001 m²), as PostGIS measured it; 0 when all covered */
  uncoveredM2: number;
  /** for a within-N-metres rule: m² of the land within N m of the site, beyond the coverage (0.001 m²) */
  uncoveredReachM2: number;
  hits: Hit[];
}

export interface ConstraintReport {
  siteAreaM2: number;
  summary: Record<Status, number>;
  layers: LayerResult[];
  publicity: Array<{
    trigger: NonNullable<LayerDefinition['publicity']>;
    layerId: string;
    because: string;
    requirement: string;
  }>;
}

const round = (v: number, dp: number) => Math.round(v * 10 ** dp) / 10 ** dp;

/** A figure to `dp` decimals, but never a false zero: a value that is not 0 and would round to 0 is kept as
 *  PostGIS measured it (a 1 mm × 1 mm overlap is 0.000001 m², not 0). */
const exact = (v: number, dp: number) => {
  const r = round(v, dp);
  return r === 0 && v !== 0 ? v : r;
};
/** Figures in the API: to 0.001 m / 0.001 m² and 0.0001 % (issue 11), never a false zero; rounding only in sentences. */
export const roundM = (v: number) => exact(v, 3);
export const roundM2 = (v: number) => exact(v, 3);
export const roundPct = (v: number) => exact(v, 4);

/** A distance for a sentence: never a false zero (1 mm is "less than 1 cm", not "0 m"). */
export function formatDistance(m: number): string {
  if (m === 0) return '0 m';
  if (m < 0.01) return 'less than 1 cm';
  return `${round(m, m < 1 ? 2 : m < 100 ? 1 : 0)} m`;
}
/** An area for a sentence: never a false zero ("less than 0.01 m²"). */
export function formatArea(m2: number): string {
  if (m2 === 0) return '0 m²';
  if (m2 < 0.01) return 'less than 0.01 m²';
  return `${round(m2, m2 < 10 ? 2 : 1)} m²`;
}
export function formatOverlap(m2: number, pct: number): string {
  const p = pct === 0 ? '0' : pct < 0.01 ? 'less than 0.01' : String(round(pct, pct < 1 ? 2 : 1));
  return `${formatArea(m2)}, ${p}% of the site`;
}

const RELATION_PHRASE: Record<Relation, string> = {
  'site-within-feature': 'entirely within',
  'feature-within-site': 'around all of',
  overlaps: 'partly within',
  touches: 'next to',
  near: 'near',
};

/** For "within N m" sentences: where the feature is relative to the site. */
const WHERE_PHRASE: Partial<Record<Relation, string>> = {
  'site-within-feature': 'across the whole site',
  'feature-within-site': 'on the site',
  overlaps: 'partly on the site',
  touches: 'touching the red line',
};

/** Relative tolerance for "the whole site is inside the feature" when summing piece areas. */
const WHOLE_SITE = 1e-9;

export function relationOf(r: CheckRow): Relation {
  const overlap = r.overlap_m2 ?? 0;
  if (r.feature_dim === 2) {
    if (overlap > 0 && overlap >= r.site_area_m2 * (1 - WHOLE_SITE)) return 'site-within-feature';
    if (r.feature_within_site) return 'feature-within-site';
    if (overlap > 0) return 'overlaps';
    return r.intersects ? 'touches' : 'near';
  }
  if (r.feature_within_site) return 'feature-within-site';
  return r.intersects ? 'touches' : 'near';
}

const shown = (v: unknown) => (v === undefined || v === null || v === '' ? 'not recorded' : String(v));

/** A template split at its {placeholders}: literal text at even indexes, placeholder names at odd ones. */
const compiledTemplates = new Map<string, string[]>();
function compiled(template: string): string[] {
  let parts = compiledTemplates.get(template);
  if (!parts) {
    parts = template.split(/\{([a-zA-Z0-9_-]+)\}/);
    if (compiledTemplates.size > 1000) compiledTemplates.clear();
    compiledTemplates.set(template, parts);
  }
  return parts;
}
export function fill(template: string, values: Record<string, unknown>): string {
  const parts = compiled(template);
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) out += shown(values[parts[i]!]) + parts[i + 1]!;
  return out;
}

/** What a hit's template and key fields can name (see hitValue). */
interface HitValues {
  properties: Record<string, unknown>;
  name: string;
  reference: string | null;
  distanceM: number;
  overlapM2: number;
  overlapPct: number;
  relation: Relation;
}
/** A value a template or key field names: one of these, else the feature's property; worked out only when
 *  named (the same as reading it from { ...properties, name, reference, distance, where, overlap, relation }). */
function hitValue(key: string, v: HitValues): unknown {
  switch (key) {
    case 'name':
      return v.name;
    case 'reference':
      return v.reference;
    case 'distance':
      return formatDistance(v.distanceM);
    case 'where':
      return WHERE_PHRASE[v.relation] ?? `${formatDistance(v.distanceM)} from the red line`;
    case 'overlap':
      return formatOverlap(v.overlapM2, v.overlapPct);
    case 'relation':
      return RELATION_PHRASE[v.relation];
    default:
      return v.properties[key];
  }
}
function fillHit(template: string, v: HitValues): string {
  const parts = compiled(template);
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) out += shown(hitValue(parts[i]!, v)) + parts[i + 1]!;
  return out;
}

const NO_PROPERTIES: Record<string, unknown> = {};

function displayName(r: CheckRow): string {
  const p = r.properties ?? {};
  return r.name ?? (p['address-text'] as string | undefined) ?? r.source_ref ?? `feature ${r.feature_id}`;
}

function hitOf(def: LayerDefinition, r: CheckRow): Hit {
  const relation = relationOf(r);
  const overlapM2 = r.overlap_m2 ?? 0;
  const overlapPct = r.site_area_m2 > 0 ? (overlapM2 / r.site_area_m2) * 100 : 0;
  const distanceM = r.distance_m ?? 0;
  const rule = def.rule;
  let fired: boolean;
  if (rule.kind === 'within') fired = distanceM <= rule.distanceM;
  else if (r.feature_dim === 2)
    fired = overlapM2 > 0 && (overlapM2 >= rule.minOverlapM2 || overlapPct >= rule.minOverlapPct);
  else fired = Boolean(r.intersects);
  const name = displayName(r);
  const values: HitValues = {
    properties: (r.properties ?? NO_PROPERTIES) as Record<string, unknown>,
    name,
    reference: r.source_ref,
    distanceM,
    overlapM2,
    overlapPct,
    relation,
  };
  let why: string;
  if (fired) {
    why =
      fillHit(def.report.positive, values) +
      (rule.kind === 'within'
        ? ''
        : r.feature_dim === 2
          ? ` Rule: an overlap of at least ${rule.minOverlapM2} m² or ${rule.minOverlapPct}% of the site.`
          : ' It lies on the site.');
  } else if (rule.kind === 'intersects' && relation === 'touches') {
    why = `${def.title} '${name}' only shares a boundary with the site (no overlap), so it is not a constraint under the rule (an overlap of at least ${rule.minOverlapM2} m² or ${rule.minOverlapPct}% of the site).`;
  } else if (rule.kind === 'intersects') {
    why = `${def.title} '${name}' overlaps the site by only ${formatOverlap(overlapM2, overlapPct)}, below the rule's ${rule.minOverlapM2} m² and ${rule.minOverlapPct}%: treated as a digitising sliver, not a constraint. Check it if the boundary is known to be precise.`;
  } else {
    why = `${def.title} '${name}' is ${formatDistance(distanceM)} from the red line, beyond the rule's ${rule.distanceM} m.`;
  }
  if (r.starts_on) {
    const d = typeof r.starts_on === 'string' ? r.starts_on.slice(0, 10) : r.starts_on.toISOString().slice(0, 10);
    why += ` Its start date (${d}) is in the future: check whether it is in force yet.`;
  }
  return {
    featureId: r.feature_id!,
    reference: r.source_ref,
    name: r.name,
    keyFields: def.keyFields.map((k) => ({ label: k.label, field: k.field, value: hitValue(k.field, values) ?? null })),
    relation,
    overlapM2: roundM2(overlapM2),
    overlapPct: roundPct(overlapPct),
    distanceM: roundM(distanceM),
    fired,
    why,
  };
}

/** DMPO / LBCA Regs publicity that a constraint triggers (see the shared planning rules). */
const PUBLICITY_TEXT: Record<NonNullable<LayerDefinition['publicity']>, string> = {
  'listed-building-setting':
    'Affects the setting of a listed building: newspaper notice and site notice for at least 7 days; no decision within 21 days of the later (LBCA Regs 1990 reg 5A). Copy to Historic England for grade I or II*.',
  'conservation-area':
    'Affects the character or appearance of a conservation area: newspaper notice and site notice for at least 7 days; no decision within 21 days of the later (LBCA Regs 1990 reg 5A).',
};

// the same layer objects come back from the layer cache on every check: their loadedAt is formatted once
const loadedAtText = new WeakMap<LayerInfo, string | null>();
function loadedAtOf(layer: LayerInfo): string | null {
  let text = loadedAtText.get(layer);
  if (text === undefined) {
    text = layer.loadedAt ? new Date(layer.loadedAt).toISOString() : null;
    loadedAtText.set(layer, text);
  }
  return text;
}

export function buildReport(
  siteAreaM2: number,
  layers: LayerInfo[],
  rows: CheckRow[],
  failures: Map<string, string> = new Map(),
): ConstraintReport {
  const byLayer = new Map<string, CheckRow[]>();
  for (const r of rows) {
    const list = byLayer.get(r.layer_id) ?? [];
    list.push(r);
    byLayer.set(r.layer_id, list);
  }
  const results: LayerResult[] = layers.map((layer) => {
    const def = layer.definition;
    const layerRows = byLayer.get(layer.id) ?? [];
    const first = layerRows[0];
    const hits = layerRows.filter((r) => r.feature_id !== null).map((r) => hitOf(def, r));
    const fired = hits.filter((h) => h.fired);
    const caveats: string[] = [];
    const noGeometry = layer.lastLoad?.skipped?.['no-geometry'] ?? 0;
    if (noGeometry > 0)
      caveats.push(
        `${noGeometry} feature${noGeometry === 1 ? '' : 's'} of this layer had no location in the source data and could not be checked.`,
      );
    let status: Status;
    let sentence: string;
    const uncoveredM2 = first?.loaded ? Math.max(0, first.uncovered_m2 ?? 0) : 0;
    const uncoveredReachM2 = first?.loaded ? Math.max(0, first.uncovered_reach_m2 ?? 0) : 0;
    const beyond =
      uncoveredM2 > 0
        ? `${formatArea(uncoveredM2)} of the site ${uncoveredM2 >= siteAreaM2 * (1 - WHOLE_SITE) ? '(all of it) ' : ''}is outside the area this layer's data covers`
        : `the land within ${def.rule.kind === 'within' ? def.rule.distanceM : 0} m of the site reaches outside the area this layer's data covers${uncoveredReachM2 > 0 ? ` (about ${formatArea(uncoveredReachM2)})` : ''}`;
    const failure = failures.get(layer.id);
    if (failure) {
      status = fired.length ? 'constraint' : 'unknown';
      sentence = `Could not check this layer: ${failure}`;
    } else if (!first || !first.loaded) {
      status = 'unknown';
      sentence = `No data has been loaded for ${def.title.toLowerCase()}, so it cannot be checked.`;
    } else if (fired.length) {
      status = 'constraint';
      sentence = fired[0]!.why + (fired.length > 1 ? ` (and ${fired.length - 1} more)` : '');
      if (!first.covered) {
        const figures = first.uncovered_m2 !== undefined && first.uncovered_m2 !== null;
        caveats.push(
          uncoveredM2 > 0 || !figures
            ? "Part of the site is outside this layer's data coverage: there may be more."
            : `${beyond[0]!.toUpperCase()}${beyond.slice(1)}: there may be more.`,
        );
        if (uncoveredM2 > 0) caveats.push(`${beyond[0]!.toUpperCase()}${beyond.slice(1)}.`);
      }
    } else if (!first.covered) {
      status = 'unknown';
      sentence = `The ${def.title.toLowerCase()} data does not cover the whole site: ${beyond} (outside the area it was loaded for, or near a feature that could not be loaded), so Redline cannot say it is clear there.`;
    } else {
      status = 'clear';
      sentence = def.report.negative;
    }
    return {
      layerId: layer.id,
      title: def.title,
      category: def.category,
      status,
      sentence,
      rule: def.rule,
      ruleReason: def.ruleReason,
      dataVersion: layer.dataVersion,
      definitionHash: layer.definitionHash,
      loadedAt: loadedAtOf(layer),
      publicity: def.publicity,
      caveats,
      uncoveredM2: roundM2(uncoveredM2),
      uncoveredReachM2: roundM2(uncoveredReachM2),
      hits,
    };
  });
  const summary: Record<Status, number> = { constraint: 0, clear: 0, unknown: 0 };
  for (const r of results) summary[r.status]++;
  const publicity = results
    .filter((r) => r.status === 'constraint' && r.publicity)
    .map((r) => ({
      trigger: r.publicity!,
      layerId: r.layerId,
      because: r.sentence,
      requirement: PUBLICITY_TEXT[r.publicity!],
    }));
  return { siteAreaM2: roundM2(siteAreaM2), summary, layers: results, publicity };
}

export interface HitChange {
  layerId: string;
  key: string;
  change: 'added' | 'removed' | 'changed';
  before: Pick<Hit, 'relation' | 'distanceM' | 'overlapM2' | 'fired'> | null;
  after: Pick<Hit, 'relation' | 'distanceM' | 'overlapM2' | 'fired'> | null;
}

const hitKey = (h: Hit) => h.reference ?? h.name ?? String(h.featureId);
const brief = (h: Hit) => ({ relation: h.relation, distanceM: h.distanceM, overlapM2: h.overlapM2, fired: h.fired });

/** What changed between two reports of the same site: layer statuses and hits (matched by reference). */
export function diffReports(before: ConstraintReport, after: ConstraintReport) {
  const statusChanges: Array<{ layerId: string; before: Status | null; after: Status | null }> = [];
  const hitChanges: HitChange[] = [];
  const layerIds = [...new Set([...before.layers.map((l) => l.layerId), ...after.layers.map((l) => l.layerId)])];
  for (const id of layerIds) {
    const a = before.layers.find((l) => l.layerId === id);
    const b = after.layers.find((l) => l.layerId === id);
    if (a?.status !== b?.status)
      statusChanges.push({ layerId: id, before: a?.status ?? null, after: b?.status ?? null });
    // several features can share a reference (one listed building drawn as several polygons): group them,
    // pair identical hits first, then the rest in report order
    const group = (hits: Hit[]) => {
      const m = new Map<string, Array<ReturnType<typeof brief>>>();
      for (const h of hits) m.set(hitKey(h), [...(m.get(hitKey(h)) ?? []), brief(h)]);
      return m;
    };
    const oldHits = group(a?.hits ?? []);
    const newHits = group(b?.hits ?? []);
    const same = (x: ReturnType<typeof brief>, y: ReturnType<typeof brief>) => JSON.stringify(x) === JSON.stringify(y);
    for (const [k, news] of newHits) {
      const olds = oldHits.get(k) ?? [];
      const unmatched = news.filter((h) => {
        const i = olds.findIndex((o) => same(o, h));
        if (i >= 0) olds.splice(i, 1);
        return i < 0;
      });
      for (const h of unmatched) {
        const o = olds.shift();
        hitChanges.push(
          o
            ? { layerId: id, key: k, change: 'changed', before: o, after: h }
            : { layerId: id, key: k, change: 'added', before: null, after: h },
        );
      }
    }
    for (const [k, olds] of oldHits)
      for (const o of olds) hitChanges.push({ layerId: id, key: k, change: 'removed', before: o, after: null });
  }
  return { statusChanges, hitChanges };
}
