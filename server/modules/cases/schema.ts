/** Request shapes for cases (zod). Dates are ISO calendar dates (YYYY-MM-DD). */
import { queryFlag } from '../../http/validate.ts';
import { z } from 'zod';
import {
  APPLICATION_DECISIONS,
  APPLICATION_STATUSES,
  BREACH_TYPES,
  ENFORCEMENT_DECISIONS,
  ENFORCEMENT_STATUSES,
  NOTICE_TYPES,
  SITE_SOURCES,
} from '../../../shared/domain/cases.ts';
import { APPEAL_OUTCOMES, APPEAL_TYPES, DECISION_MAKERS, USE_TYPES } from '../../../shared/domain/statistics/types.ts';

export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine(
    (s) => !Number.isNaN(Date.parse(s + 'T00:00:00Z')) && new Date(s + 'T00:00:00Z').toISOString().startsWith(s),
    'is not a real calendar date',
  )
  .refine((s) => s >= '1900-01-01' && s <= '2200-12-31', 'must be between 1900-01-01 and 2200-12-31');

const Uprn = z.number().int().positive().max(999_999_999_999);

export const Party = z
  .object({
    role: z.enum(['applicant', 'agent', 'complainant']),
    name: z.string().max(200).optional(),
    organisation: z.string().max(200).optional(),
    address: z.string().max(500).optional(),
    postcode: z.string().max(10).optional(),
    email: z.string().email().max(254).optional(),
    phone: z.string().max(40).optional(),
  })
  .strict();

/**
 * PATCH of the parties, item by item: an item with `id` changes that party (JSON Merge Patch: a field sent as null
 * is cleared) or, with `remove: true`, removes it; an item without `id` adds a party. Parties not sent are kept.
 */
export const PartyChange = z.union([
  z.object({ id: z.number().int().positive(), remove: z.literal(true) }).strict(),
  z
    .object({
      id: z.number().int().positive(),
      role: Party.shape.role.optional(),
      name: Party.shape.name.nullable(),
      organisation: Party.shape.organisation.nullable(),
      address: Party.shape.address.nullable(),
      postcode: Party.shape.postcode.nullable(),
      email: Party.shape.email.nullable(),
      phone: Party.shape.phone.nullable(),
    })
    .strict(),
  Party,
]);
export type PartyChangeInput = z.infer<typeof PartyChange>;

export const ExtensionOfTime = z
  .object({
    agreedOn: IsoDate,
    newTargetDate: IsoDate,
    reason: z.string().max(500).optional(),
  })
  .strict();

export const SiteVisit = z
  .object({
    visitedOn: IsoDate,
    officer: z.string().max(100).optional(),
    notes: z.string().max(2000).optional(),
  })
  .strict();

export const NoticeServed = z
  .object({
    type: z.enum(NOTICE_TYPES),
    servedOn: IsoDate,
    effectiveOn: IsoDate.optional(),
    complianceDate: IsoDate.optional(),
    notes: z.string().max(2000).optional(),
  })
  .strict();

/** What the development is: for the DMPO art. 2 major tests and the art. 15 / LBCA Regs publicity rules. */
export const Development = z
  .object({
    /** dwellinghouses provided; null or "unknown" = some, number not known (outline) */
    dwellings: z
      .union([z.number().int().min(0).max(100_000), z.literal('unknown')])
      .nullable()
      .optional()
      .transform((v) => (v === 'unknown' ? null : v)),
    floorspaceM2: z.number().min(0).max(10_000_000).optional(),
    eia: z.boolean().optional(),
    departure: z.boolean().optional(),
    publicRightOfWay: z.boolean().optional(),
    nearRailway: z.boolean().optional(),
    /** public service infrastructure development (DMPO art. 2, SI 2021/746): 18-day publicity, 10-week period */
    publicServiceInfrastructure: z.boolean().optional(),
    newBuildingOrExtension: z.boolean().optional(),
    /** PS2 use-type bucket (statistics); when not given: dwellings if the development provides dwellings, else other */
    useType: z.enum(USE_TYPES).optional(),
    /** listed building consent to demolish (PS2 Q24) rather than to alter or extend (Q23) */
    listedBuildingDemolition: z.boolean().optional(),
    listedBuildingConsent: z
      .object({
        /** null or "unknown": the grade is not known yet */
        grade: z
          .enum(['I', 'II*', 'II', 'unknown'])
          .nullable()
          .transform((v) => (v === 'unknown' ? null : v)),
        interiorOnly: z.boolean(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A planning performance agreement: when it was made and the date the decision is agreed by (statistics). */
export const Ppa = z
  .object({ agreedOn: IsoDate, targetDate: IsoDate })
  .strict()
  .refine((p) => p.targetDate >= p.agreedOn, { message: 'targetDate cannot be before agreedOn', path: ['targetDate'] });

/** An appeal against the decision (or for non-determination): the quality measure counts those allowed. */
export const Appeal = z
  .object({
    lodgedOn: IsoDate,
    type: z.enum(APPEAL_TYPES),
    decidedOn: IsoDate.nullable().optional(),
    outcome: z.enum(APPEAL_OUTCOMES).nullable().optional(),
  })
  .strict()
  .refine((a) => !a.decidedOn || a.decidedOn >= a.lodgedOn, {
    message: 'decidedOn cannot be before lodgedOn',
    path: ['decidedOn'],
  })
  .refine((a) => Boolean(a.decidedOn) === Boolean(a.outcome), {
    message: 'give decidedOn and outcome together',
    path: ['outcome'],
  });

/** Statistics fields of a planning application (issue 15 item 4). */
const statisticsFields = {
  decisionMaker: z.enum(DECISION_MAKERS).nullable().optional(),
  ppa: Ppa.nullable().optional(),
  appeals: z.array(Appeal).max(20).optional(),
};

/** Why a decision is dated before the earliest decision date (the publicity has not run its course). */
export const DecisionOverrideReason = z.string().trim().min(1, 'must say why').max(2000);

const common = {
  reference: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9/._-]+$/, 'may use letters, digits and / . _ -')
    .optional(),
  description: z.string().trim().min(1).max(5000),
  siteAddress: z.string().trim().max(500).optional(),
  uprns: z.array(Uprn).max(500).optional(),
  receivedDate: IsoDate,
  officer: z.string().max(64).nullable().optional(),
  parties: z.array(Party).max(20).optional(),
};

export const CreateApplication = z
  .object({
    kind: z.literal('application'),
    applicationType: z.string().min(1).max(64),
    development: Development.optional(),
    status: z.enum(APPLICATION_STATUSES).default('received'),
    validDate: IsoDate.nullable().optional(),
    targetDate: IsoDate.nullable().optional(),
    extensionsOfTime: z.array(ExtensionOfTime).max(20).optional(),
    decision: z.enum(APPLICATION_DECISIONS).nullable().optional(),
    decisionDate: IsoDate.nullable().optional(),
    decisionOverrideReason: DecisionOverrideReason.nullable().optional(),
    ...statisticsFields,
    ...common,
  })
  .strict();

export const CreateEnforcement = z
  .object({
    kind: z.literal('enforcement'),
    breachType: z.enum(BREACH_TYPES),
    status: z.enum(ENFORCEMENT_STATUSES).default('received'),
    siteVisits: z.array(SiteVisit).max(100).optional(),
    noticesServed: z.array(NoticeServed).max(50).optional(),
    decision: z.enum(ENFORCEMENT_DECISIONS).nullable().optional(),
    decisionDate: IsoDate.nullable().optional(),
    targetDate: IsoDate.nullable().optional(),
    ...common,
  })
  .strict();

export const CreateCase = z.discriminatedUnion('kind', [CreateApplication, CreateEnforcement]);
export type CreateCaseInput = z.infer<typeof CreateCase>;

/**
 * A PATCH of `development` is a JSON Merge Patch (RFC 7396): keys sent merge, `null` removes a key (or, for the
 * whole `development`, all of it), keys not sent are kept. Since null removes, "some dwellings, number not known"
 * is sent as `"dwellings": "unknown"` (and an unknown listed-building grade as `"grade": "unknown"`). The merged
 * result is then checked against Development.
 */
const DevelopmentPatch = z
  .object({
    dwellings: z.union([z.number().int().min(0).max(100_000), z.literal('unknown')]).nullable(),
    floorspaceM2: z.number().min(0).max(10_000_000).nullable(),
    eia: z.boolean().nullable(),
    departure: z.boolean().nullable(),
    publicRightOfWay: z.boolean().nullable(),
    nearRailway: z.boolean().nullable(),
    publicServiceInfrastructure: z.boolean().nullable(),
    newBuildingOrExtension: z.boolean().nullable(),
    useType: z.enum(USE_TYPES).nullable(),
    listedBuildingDemolition: z.boolean().nullable(),
    listedBuildingConsent: z
      .object({ grade: z.enum(['I', 'II*', 'II', 'unknown']).nullable(), interiorOnly: z.boolean().nullable() })
      .partial()
      .strict()
      .nullable(),
  })
  .partial()
  .strict();

/** PATCH: any field except kind and reference; `version` may stand in for If-Match. */
export const UpdateCase = z
  .object({
    version: z.number().int().positive().optional(),
    applicationType: z.string().min(1).max(64).optional(),
    development: DevelopmentPatch.nullable().optional(),
    breachType: z.enum(BREACH_TYPES).optional(),
    description: common.description.optional(),
    siteAddress: z.string().trim().max(500).nullable().optional(),
    uprns: z.array(Uprn).max(500).optional(),
    status: z.string().max(40).optional(),
    receivedDate: IsoDate.optional(),
    validDate: IsoDate.nullable().optional(),
    targetDate: IsoDate.nullable().optional(),
    extensionsOfTime: z.array(ExtensionOfTime).max(20).optional(),
    decision: z.string().max(40).nullable().optional(),
    decisionDate: IsoDate.nullable().optional(),
    decisionOverrideReason: DecisionOverrideReason.nullable().optional(),
    ...statisticsFields,
    siteVisits: z.array(SiteVisit).max(100).optional(),
    noticesServed: z.array(NoticeServed).max(50).optional(),
    officer: z.string().max(64).nullable().optional(),
    parties: z.array(PartyChange).max(20).optional(),
    /** on the public register or not (issue 13): enforcement cases start unpublished */
    publication: z.enum(['published', 'unpublished', 'withdrawn']).optional(),
  })
  .strict();
export type UpdateCaseInput = z.infer<typeof UpdateCase>;

const boolParam = queryFlag();

export const ListQuery = z
  .object({
    kind: z.enum(['application', 'enforcement']).optional(),
    status: z.string().max(40).optional(),
    applicationType: z.string().max(64).optional(),
    breachType: z.string().max(64).optional(),
    officer: z.string().max(64).optional(),
    reference: z.string().max(64).optional(),
    q: z.string().max(200).optional(),
    receivedFrom: IsoDate.optional(),
    receivedTo: IsoDate.optional(),
    hasSite: boolParam.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const CrsQuery = z.object({ crs: z.string().max(100).optional() }).strict();

export const SiteBody = z
  .object({
    geometry: z.unknown(),
    crs: z.string().max(100).optional(),
    source: z.enum(SITE_SOURCES).default('drawn'),
    note: z.string().max(1000).optional(),
  })
  .strict();

export const SiteQuery = z
  .object({
    crs: z.string().max(100).optional(),
    repair: boolParam.optional(),
    crossBoundary: boolParam.optional(),
  })
  .strict();

export const NearbyQuery = z
  .object({
    withinM: z.coerce.number().min(0).max(1000).default(50),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/** PUT /api/cases/{id}/location (enforcement cases): a GeoJSON Point (or a Feature of one); crs as for a site. */
export const LocationBody = z
  .object({ geometry: z.unknown(), crs: z.string().max(100).optional(), note: z.string().max(1000).optional() })
  .strict();
