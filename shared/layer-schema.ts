/**
 * The one schema every constraint layer definition follows (layers/definitions/*.json, and local layers an
 * admin adds through the API or CLI). Pure: zod only.
 *
 * Rules:
 *  - intersects: the layer is a constraint when a feature overlaps the site by at least `minOverlapM2` square
 *    metres OR at least `minOverlapPct` per cent of the site. Smaller overlaps (digitising slivers) and a shared
 *    boundary alone are reported as hits that did not fire. A point feature fires when it lies in or on the site.
 *  - within: the layer is a constraint when a feature lies within `distanceM` metres of the site boundary
 *    (distance measured in EPSG:27700; exactly `distanceM` counts, 1 cm beyond does not).
 */
import { z } from 'zod';

export const LAYER_CATEGORIES = [
  'heritage',
  'trees',
  'flood',
  'green-belt',
  'landscape',
  'ecology',
  'land',
  'local',
] as const;
export const GEOMETRY_KINDS = ['polygon', 'point', 'mixed'] as const;
export const PUBLICITY_TRIGGERS = ['listed-building-setting', 'conservation-area'] as const;

const Colour = z
  .string()
  .regex(
    /^(#[0-9a-fA-F]{3,8}|rgba?\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*(,\s*(0|1|0?\.\d+)\s*)?\))$/,
    'a CSS colour: #rgb, #rrggbb, #rrggbbaa, rgb() or rgba()',
  );

/** The documented subset of OpenLayers flat styles shared by the web map and the map renderer. */
export const FlatStyle = z
  .object({
    'fill-color': Colour.optional(),
    'stroke-color': Colour.optional(),
    'stroke-width': z.number().min(0).max(20).optional(),
    'stroke-line-dash': z.array(z.number().min(0).max(100)).max(8).optional(),
    'circle-radius': z.number().min(0).max(50).optional(),
    'circle-fill-color': Colour.optional(),
    'circle-stroke-color': Colour.optional(),
    'circle-stroke-width': z.number().min(0).max(20).optional(),
  })
  .strict();
export type FlatStyle = z.infer<typeof FlatStyle>;

export const IntersectsRule = z
  .object({
    kind: z.literal('intersects'),
    minOverlapM2: z.number().min(0).max(1_000_000).default(1),
    minOverlapPct: z.number().min(0).max(100).default(0.5),
  })
  .strict();
export const WithinRule = z
  .object({
    kind: z.literal('within'),
    distanceM: z.number().min(0).max(5_000),
  })
  .strict();
export const Rule = z.discriminatedUnion('kind', [IntersectsRule, WithinRule]);
export type Rule = z.infer<typeof Rule>;

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and hyphens');
const Field = z.string().min(1).max(64);

export const LayerDefinition = z
  .object({
    id: Id,
    title: z.string().min(1).max(120),
    category: z.enum(LAYER_CATEGORIES),
    /** planning.data.gov.uk dataset name, or null for a purely local layer */
    dataset: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .nullable(),
    geometryKind: z.enum(GEOMETRY_KINDS),
    rule: Rule,
    /** why this rule and buffer: shown to officers beside the answer */
    ruleReason: z.string().min(1).max(500),
    report: z
      .object({
        /** {name}, {reference}, {distance}, {where} (within rules), {overlap}, {relation} and property names in braces are filled in */
        positive: z.string().min(1).max(300),
        negative: z.string().min(1).max(300),
      })
      .strict(),
    keyFields: z
      .array(z.object({ field: Field, label: z.string().min(1).max(60) }).strict())
      .max(12)
      .default([]),
    style: FlatStyle,
    public: z.boolean(),
    /** extra publicity this constraint triggers under the DMPO (see shared planning rules) */
    publicity: z.enum(PUBLICITY_TRIGGERS).nullable().default(null),
    provenance: z
      .object({
        source: z.string().min(1).max(300),
        url: z.string().url().optional(),
        licence: z.string().min(1).max(60),
        attribution: z.string().min(1).max(500),
      })
      .strict(),
    /** how a source file's fields map onto the feature: reference, name, and other properties */
    fieldMap: z
      .object({
        reference: Field.optional(),
        name: Field.optional(),
        properties: z.record(Field, Field).default({}),
      })
      .strict()
      .default({ properties: {} }),
  })
  .strict();

export type LayerDefinition = z.infer<typeof LayerDefinition>;
export type LayerDefinitionInput = z.input<typeof LayerDefinition>;

/** Searching this far around a site finds every feature a rule could fire on. */
export function searchDistanceM(rule: Rule): number {
  return rule.kind === 'within' ? rule.distanceM : 0;
}
