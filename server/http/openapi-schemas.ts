/** The request bodies of the OpenAPI document (./openapi.ts), generated from the zod schemas the routes validate
 *  them with (zod's z.toJSONSchema, OpenAPI 3.0 dialect), so the document cannot drift from what the API accepts. */
import { z } from 'zod';
import { LayerDefinition } from '../../shared/layer-schema.ts';
import { Login } from '../modules/auth/routes.ts';
import { CreateCase, Development, LocationBody, Party, SiteBody, UpdateCase } from '../modules/cases/schema.ts';
import { ValidateBody } from '../modules/geometry/routes.ts';
import { DefineLayerBody, RetireLayerBody } from '../modules/layers/routes.ts';
import { CheckBody, Decision, SettingTriggerBody, StoredBody } from '../modules/constraints/routes.ts';
import { CorrectEventBody, DocumentEventBody, EventBody, VoidEventBody } from '../modules/publicity/routes.ts';
import { AdhocBody } from '../modules/maps/routes.ts';
import { SelectionParams } from '../modules/neighbours/service.ts';
import { PreviewBody, RunBody } from '../modules/neighbours/routes.ts';
import { CreateDocumentBody, TemplateBody } from '../modules/documents/routes.ts';
import { CreateToken, CreateUser, UpdateUser } from '../modules/users/routes.ts';

/** Each component's zod schema: a route's request body, or a part of one that several share. */
const REQUEST_SCHEMAS = {
  Login,
  CaseCreate: CreateCase,
  CaseUpdate: UpdateCase,
  Development,
  Party,
  CaseSite: SiteBody,
  CaseLocation: LocationBody,
  GeometryValidate: ValidateBody,
  LayerDefinition,
  LayerDefine: DefineLayerBody,
  LayerRetire: RetireLayerBody,
  ConstraintCheck: CheckBody,
  StoredCheckCreate: StoredBody,
  HitDecision: Decision,
  SettingTrigger: SettingTriggerBody,
  PublicityEvent: EventBody,
  PublicityEventCorrect: CorrectEventBody,
  PublicityEventVoid: VoidEventBody,
  DocumentPublicityEvent: DocumentEventBody,
  MapRequest: AdhocBody,
  Selection: SelectionParams,
  NeighbourPreview: PreviewBody,
  NotificationRunCreate: RunBody,
  TemplateSave: TemplateBody,
  DocumentCreate: CreateDocumentBody,
  UserCreate: CreateUser,
  UserUpdate: UpdateUser,
  TokenCreate: CreateToken,
} satisfies Record<string, z.ZodType>;
export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;

type JsonSchema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const site = ref('GeoJSONSite');

const DESCRIPTIONS: Partial<Record<RequestSchemaName, string>> = {
  CaseCreate: 'A planning application (kind application) or an enforcement case (kind enforcement)',
  CaseUpdate: 'Any field of CaseCreate except kind and reference; version may stand in for If-Match',
  Development:
    'What the development is, for the DMPO art. 2 major tests and the art. 15 / LBCA Regs publicity rules (dwellings: null = some, number not known)',
  LayerDefinition:
    'A constraint layer (shared/layer-schema.ts, as layers/definitions/*.json): rule intersects (minOverlapM2 or minOverlapPct) or within (distanceM), report text, key fields, OpenLayers flat-style subset, provenance, field mapping',
  Selection: 'Combine any of the modes; at least one of adjoining, sameBuilding, radiusM, polygon or add',
  PublicityEvent:
    'A publicity event. press-advert needs newspaper (editionDate defaults to date); site-notice needs noticeCount and places (no more places than notices); neighbour-letters needs letterCount, or runId (the count defaults to its recipients, and cannot exceed them). Fields of another kind are refused.',
  PublicityEventCorrect:
    'A correction: the reason and the fields that change (the others are kept). Stored as a new event superseding the corrected one, which is kept as it was.',
  PublicityEventVoid: 'Why the event is void: it stays on the record, marked void, and stops counting.',
  DocumentPublicityEvent:
    "site-notice, press-advert and neighbour-letter: record the publicity event with the document, in one transaction (its kind is the document's, a neighbour letter's run and letter count the document's; the fields as PublicityEvent). The comment period runs from its date.",
};

/** Properties the routes take as unknown and validate after parsing (a geometry, a layer definition, a
 *  selection), and notes on fields whose meaning the schema alone does not say: merged over the generated ones. */
const PROPERTIES: Partial<Record<RequestSchemaName, Record<string, object>>> = {
  CaseSite: { geometry: site },
  CaseLocation: { geometry: { type: 'object', description: 'GeoJSON Point (or a Feature of one)' } },
  GeometryValidate: { geometry: site },
  LayerDefine: { definition: ref('LayerDefinition') },
  ConstraintCheck: { site },
  MapRequest: { site, selection: ref('Selection') },
  Selection: { polygon: site },
  NeighbourPreview: { site, selection: ref('Selection') },
  NotificationRunCreate: { selection: ref('Selection') },
  TemplateSave: { version: { description: 'the version edited: refused (412) when it is no longer the current one' } },
  DocumentCreate: {
    runId: { description: 'neighbour-letter: the notification run (default: the latest); one letter per recipient' },
    date: { description: 'the date the document bears (default: today in the UK)' },
    publicityDate: {
      description:
        'the date the letters are served, the notice displayed or the advert published: sets the last day for comments',
    },
    consultee: { description: 'consultee-letter' },
    conditions: { description: 'decision-notice: each condition as { text, reason }' },
    reasons: { description: 'decision-notice: the reasons for a refusal' },
    informatives: { description: 'decision-notice: notes to the applicant' },
    approvedPlans: { description: 'decision-notice: the approved plans and documents' },
    authorisedOfficer: { description: 'decision-notice: who signs it (default: the user making it)' },
    withinM: { description: 'site-history: search distance (default 50)' },
    includeEnforcement: { description: 'site-history: list enforcement cases too (default false)' },
    recordEvent: ref('DocumentPublicityEvent'),
  },
};

function withProperties(schema: JsonSchema, extra: Record<string, object> | undefined): JsonSchema {
  if (!extra || !schema.properties) return schema;
  const properties = { ...schema.properties };
  for (const [name, value] of Object.entries(extra)) {
    if (!(name in properties)) throw new Error(`OpenAPI: no property ${name} to describe`);
    properties[name] = '$ref' in value ? value : { ...properties[name], ...value };
  }
  return { ...schema, properties };
}

/** The components.schemas entries for the request bodies; one refers to another as #/components/schemas/Name. */
export function requestSchemas(): Record<RequestSchemaName, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(REQUEST_SCHEMAS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const out = {} as Record<RequestSchemaName, JsonSchema>;
  for (const id of Object.keys(REQUEST_SCHEMAS) as RequestSchemaName[]) {
    // $id and $schema are JSON Schema, not OpenAPI 3.0 schema object, keywords
    const { $id: _id, $schema: _schema, ...schema } = schemas[id] as JsonSchema;
    const description = DESCRIPTIONS[id];
    out[id] = withProperties(description ? { description, ...schema } : schema, PROPERTIES[id]);
  }
  return out;
}
