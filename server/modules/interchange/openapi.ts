/** The interchange routes in the OpenAPI document (server/http/openapi.ts spreads them into its paths). */
import { PERMISSIONS } from '../../../shared/roles.ts';
import { ODP_SCHEMA_URL, ODP_SCHEMA_VERSION } from './odp-schema.ts';

interface Helpers {
  staff: (roles: readonly string[]) => object;
  err: (description: string) => object;
  common: Record<string, object>;
}

const content = (type: string, schema: object) => ({ content: { [type]: { schema } } });
const Problem = {
  type: 'object',
  required: ['path', 'code', 'message'],
  properties: {
    path: { type: 'string', description: 'JSON Pointer (RFC 6901) into the submission, e.g. /data/applicant' },
    code: { type: 'string', example: 'SCHEMA_REQUIRED' },
    message: { type: 'string' },
  },
};

export function interchangeOpenApiPaths({ staff, common }: Helpers) {
  return {
    '/register/data/planning-application.csv': {
      get: {
        tags: ['register'],
        summary:
          'The published register as planning.data.gov.uk planning-application CSV (the specification fields in order; geometry and point as WKT in WGS84); no account',
        responses: { '200': { description: 'CSV, streamed', ...content('text/csv', { type: 'string' }) } },
      },
    },
    '/register/data/planning-application.geojson': {
      get: {
        tags: ['register'],
        summary:
          'The published register as a planning-application GeoJSON FeatureCollection (RFC 7946, WGS84; the site as geometry, null when none yet); no account',
        responses: {
          '200': { description: 'GeoJSON, streamed', ...content('application/geo+json', { type: 'object' }) },
        },
      },
    },
    '/api/imports/odp': {
      post: {
        tags: ['cases'],
        summary: `Import a planning application submitted in the Open Digital Planning shape (schema v${ODP_SCHEMA_VERSION}, as PlanX sends it): case, site, applicant and agent, development, fee; all or nothing`,
        ...staff(PERMISSIONS.applicationWrite),
        requestBody: {
          required: true,
          ...content('application/json', { type: 'object', externalDocs: { url: ODP_SCHEMA_URL } }),
        },
        responses: {
          '201': {
            description: 'Created; Location: /api/cases/{id}',
            ...content('application/json', {
              type: 'object',
              properties: {
                id: { type: 'integer' },
                reference: { type: 'string' },
                siteId: { type: 'integer' },
                version: { type: 'integer' },
              },
            }),
          },
          '422': {
            description: 'ODP_SUBMISSION_INVALID: every problem with its JSON Pointer; nothing created',
            ...content('application/json', {
              type: 'object',
              properties: {
                error: {
                  type: 'object',
                  properties: {
                    code: { type: 'string', enum: ['ODP_SUBMISSION_INVALID'] },
                    message: { type: 'string' },
                    problems: { type: 'array', items: Problem },
                    details: { type: 'object', properties: { problems: { type: 'array', items: Problem } } },
                  },
                },
              },
            }),
          },
          ...common,
        },
      },
    },
  };
}
