/** OGC API – Features in OpenAPI 3.0: the API's own definition (GET /ogc/api, its paths relative to /ogc) and the
 *  same paths for Redline's /api/openapi.json (server/http/openapi.ts spreads ogcApiOpenApiPaths into its paths). */
import { COUNT_CAP, CRS84, DEFAULT_LIMIT, EPSG27700, MAX_LIMIT } from './service.ts';

interface Helpers {
  err: (description: string) => object;
}

const CRS_ENUM = [CRS84, EPSG27700];
const json = (schema: object, type = 'application/json') => ({ content: { [type]: { schema } } });
const collectionIdParam = {
  name: 'collectionId',
  in: 'path',
  required: true,
  description: 'layer-<layer id> (a constraint layer), properties, applications, or cases (staff only)',
  schema: { type: 'string' },
};
const featureIdParam = {
  name: 'featureId',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[0-9]+$' },
};
const fParam = { name: 'f', in: 'query', required: false, schema: { type: 'string', enum: ['json'] } };
const crsParam = {
  name: 'crs',
  in: 'query',
  required: false,
  description: `The CRS of the geometries returned (Content-Crs names it). Default ${CRS84} (longitude, latitude).`,
  schema: { type: 'string', format: 'uri', enum: CRS_ENUM, default: CRS84 },
};
const itemParams = [
  {
    name: 'limit',
    in: 'query',
    required: false,
    description: `Features per page. Above ${MAX_LIMIT}, ${MAX_LIMIT} are returned.`,
    schema: { type: 'integer', minimum: 1, default: DEFAULT_LIMIT },
  },
  {
    name: 'bbox',
    in: 'query',
    required: false,
    description:
      'Only features whose geometry intersects (or touches) the box: min x, min y, max x, max y (in bbox-crs).',
    style: 'form',
    explode: false,
    schema: { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } },
  },
  {
    name: 'bbox-crs',
    in: 'query',
    required: false,
    description: `The CRS of bbox. Default ${CRS84}.`,
    schema: { type: 'string', format: 'uri', enum: CRS_ENUM, default: CRS84 },
  },
  {
    name: 'datetime',
    in: 'query',
    required: false,
    description:
      'An instant or an interval (start/end, ".." for open) in RFC 3339. Features are dated by the day (applications ' +
      'and cases: received; constraint features: valid from/to, a missing bound being open) and match when their ' +
      'day(s) overlap it, days taken in UTC.',
    schema: { type: 'string' },
  },
  {
    name: 'cursor',
    in: 'query',
    required: false,
    description: 'Opaque page cursor: follow the next and prev links; never an offset.',
    schema: { type: 'string' },
  },
  crsParam,
  fParam,
];
const link = {
  type: 'object',
  required: ['href', 'rel'],
  properties: {
    href: { type: 'string' },
    rel: { type: 'string' },
    type: { type: 'string' },
    title: { type: 'string' },
  },
};
const featureCollection = {
  type: 'object',
  required: ['type', 'features'],
  properties: {
    type: { type: 'string', enum: ['FeatureCollection'] },
    timeStamp: { type: 'string', format: 'date-time' },
    numberMatched: {
      type: 'integer',
      description: `Exact. Left out when a filtered request matches more than ${COUNT_CAP} features.`,
    },
    numberReturned: { type: 'integer' },
    links: { type: 'array', items: link },
    features: { type: 'array', items: { type: 'object' } },
  },
};

type Err = (description: string) => object;

function operations(err: Err, prefix: string, tags?: string[]) {
  const t = tags ? { tags } : {};
  const staffNote =
    'The collection "cases" is for staff: a session or an API token (Authorization: Bearer …); 401 without one.';
  return {
    [`${prefix}` || '/']: {
      get: {
        ...t,
        summary: 'OGC API – Features landing page',
        parameters: [fParam],
        responses: {
          '200': { description: 'Landing page', ...json({ type: 'object' }) },
          '400': err('VALIDATION_FAILED'),
        },
      },
    },
    [`${prefix}/conformance`]: {
      get: {
        ...t,
        summary: 'OGC API – Features conformance classes',
        parameters: [fParam],
        responses: {
          '200': { description: 'Conformance', ...json({ type: 'object' }) },
          '400': err('VALIDATION_FAILED'),
        },
      },
    },
    [`${prefix}/api`]: {
      get: {
        ...t,
        summary: 'This API’s definition (OpenAPI 3.0)',
        parameters: [fParam],
        responses: {
          '200': {
            description: 'OpenAPI 3.0',
            ...json({ type: 'object' }, 'application/vnd.oai.openapi+json;version=3.0'),
          },
          '400': err('VALIDATION_FAILED'),
        },
      },
    },
    [`${prefix}/collections`]: {
      get: {
        ...t,
        summary: 'The collections: each constraint layer, property outlines, public applications (+ cases for staff)',
        description:
          'Spatial extent in CRS84 (exact), temporal extent, featureCount. "cases" is listed only to a signed-in caller.',
        parameters: [fParam],
        responses: {
          '200': { description: 'Collections', ...json({ type: 'object' }) },
          '400': err('VALIDATION_FAILED'),
        },
      },
    },
    [`${prefix}/collections/{collectionId}`]: {
      get: {
        ...t,
        summary: 'One collection',
        description: staffNote,
        parameters: [collectionIdParam, fParam],
        responses: {
          '200': { description: 'Collection', ...json({ type: 'object' }) },
          '400': err('VALIDATION_FAILED'),
          '401': err('AUTHENTICATION_REQUIRED (a staff collection)'),
          '404': err('NOT_FOUND'),
        },
      },
    },
    [`${prefix}/collections/{collectionId}/queryables`]: {
      get: {
        ...t,
        summary: 'The properties items can be filtered by (name=value query parameters)',
        description: staffNote,
        parameters: [collectionIdParam, fParam],
        responses: {
          '200': { description: 'JSON Schema', ...json({ type: 'object' }, 'application/schema+json') },
          '400': err('VALIDATION_FAILED'),
          '401': err('AUTHENTICATION_REQUIRED (a staff collection)'),
          '404': err('NOT_FOUND'),
        },
      },
    },
    [`${prefix}/collections/{collectionId}/items`]: {
      get: {
        ...t,
        summary: 'Features, a keyset page at a time (GeoJSON); filters bbox, datetime and the queryables',
        description:
          `${staffNote} Unknown parameters are refused (400). A queryable is given as its name: ` +
          '?status=decided. The Content-Crs header names the CRS of the geometries.',
        parameters: [collectionIdParam, ...itemParams],
        responses: {
          '200': {
            description: 'A page of features',
            headers: { 'Content-Crs': { schema: { type: 'string' } } },
            ...json(featureCollection, 'application/geo+json'),
          },
          '400': err('VALIDATION_FAILED (bad or unknown parameter), CRS_UNSUPPORTED (crs or bbox-crs)'),
          '401': err('AUTHENTICATION_REQUIRED (a staff collection)'),
          '404': err('NOT_FOUND'),
        },
      },
    },
    [`${prefix}/collections/{collectionId}/items/{featureId}`]: {
      get: {
        ...t,
        summary: 'One feature (GeoJSON)',
        description: staffNote,
        parameters: [collectionIdParam, featureIdParam, crsParam, fParam],
        responses: {
          '200': {
            description: 'The feature',
            headers: { 'Content-Crs': { schema: { type: 'string' } } },
            ...json({ type: 'object' }, 'application/geo+json'),
          },
          '400': err('VALIDATION_FAILED, CRS_UNSUPPORTED'),
          '401': err('AUTHENTICATION_REQUIRED (a staff collection)'),
          '404': err('NOT_FOUND'),
        },
      },
    },
  };
}

/** The /ogc routes in Redline's own OpenAPI document. */
export function ogcApiOpenApiPaths({ err }: Helpers) {
  return operations(err, '/ogc', ['ogcapi']);
}

/** The OGC API's own OpenAPI 3.0 document, served at /ogc/api (`base`: the address of /ogc). */
export function ogcApiDocument(base: string) {
  const error = {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
      },
    },
  };
  const err = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Error' }) });
  return {
    openapi: '3.0.3',
    info: {
      title: 'Redline – OGC API – Features',
      version: '1.0.0',
      description:
        'OGC API – Features Part 1 (core, GeoJSON, OpenAPI 3.0), Part 2 (CRS: CRS84 and EPSG:27700) and Part 3 ' +
        'queryables as query parameters. Staff collections need a session or an API token.',
    },
    servers: [{ url: base }],
    paths: operations(err, ''),
    components: {
      schemas: { Error: error },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A Redline API token (staff collections)' },
      },
    },
  };
}
