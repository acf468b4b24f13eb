/** The OpenAPI 3 document served at /api/openapi.json. A test checks that it lists exactly the routes the
 *  app serves, with the roles each requires, and that it is a valid OpenAPI 3 document. */
import { SITE_SOURCES } from '../../shared/domain/cases.ts';
import { ERRORS } from '../../shared/errors.ts';
import { DOCUMENT_KINDS } from '../../shared/domain/documents.ts';
import { PERMISSIONS, ROLES } from '../../shared/roles.ts';
import { requestSchemas, type RequestSchemaName } from './openapi-schemas.ts';
import { tileOpenApiPaths } from '../modules/tiles/openapi.ts';
import { publicTileOpenApiPaths } from '../modules/public-tiles/openapi.ts';
import { enforcementLetterOpenApiPaths } from '../modules/enforcement-letters/openapi.ts';
import { statisticsOpenApiPaths } from '../modules/statistics/openapi.ts';
import { ogcApiOpenApiPaths } from '../modules/ogcapi/openapi.ts';
import { interchangeOpenApiPaths } from '../modules/interchange/openapi.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
/** A JSON request body: the component generated from the zod schema its route validates with (./openapi-schemas.ts). */
const body = (name: RequestSchemaName, required = true) => ({ required, ...json(ref(name)) });
const err = (description: string) => ({ description, ...json(ref('Error')) });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const crsParam = {
  name: 'crs',
  in: 'query',
  required: false,
  description:
    'Coordinate reference system of geometries: CRS84 (default, longitude/latitude) or EPSG:27700 (or their OGC URIs).',
  schema: { type: 'string', example: 'EPSG:27700' },
};
const staff = (roles: readonly string[]) => ({
  security: [{ session: [] }, { bearer: [] }],
  'x-roles': roles,
  description: `Roles: ${roles.join(', ')}.`,
});
const common = {
  '401': err('Not signed in (AUTHENTICATION_REQUIRED) or a bad token (INVALID_CREDENTIALS)'),
  '403': err('Signed in without a role this needs (FORBIDDEN)'),
};
const mapSheetParams = [
  { name: 'paper', in: 'query', schema: { type: 'string', enum: ['A4', 'A3'], default: 'A4' } },
  {
    name: 'orientation',
    in: 'query',
    schema: { type: 'string', enum: ['portrait', 'landscape'], default: 'portrait' },
  },
  {
    name: 'scale',
    in: 'query',
    description:
      '1:N, or fit (the smallest of 1:500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000, 7500, 10000 that shows it all)',
    schema: { type: 'string', enum: ['fit', '500', '1250', '2500', '5000'], default: 'fit' },
  },
  { name: 'dpi', in: 'query', schema: { type: 'string', enum: ['150', '300'], default: '150' } },
];
const kindParam = { name: 'kind', in: 'path', required: true, schema: { type: 'string', enum: DOCUMENT_KINDS } };
const docIdParam = { name: 'docId', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const intakeErrors = {
  '400': err('Missing or malformed request (VALIDATION_FAILED, GEOMETRY_REQUIRED, GEOMETRY_NOT_OBJECT, INVALID_JSON)'),
  '422': err(
    'The geometry was refused: GEOMETRY_TYPE_UNSUPPORTED, GEOMETRY_EMPTY, POSITION_INVALID, COORDINATE_NOT_NUMBER, COORDINATE_NOT_FINITE, ' +
      'RING_TOO_FEW_POSITIONS, RING_NOT_CLOSED, TOO_MANY_VERTICES, CRS_UNSUPPORTED, CRS_CONFLICT, COORDINATE_OUT_OF_RANGE, LAT_LON_SWAPPED, ' +
      'EASTING_NORTHING_SWAPPED, CRS_MISMATCH, SITE_OUTSIDE_AUTHORITY, SITE_CROSSES_AUTHORITY_BOUNDARY, INVALID_GEOMETRY (with the ST_IsValidDetail ' +
      'reason and location), REPAIR_FAILED. details.path is the JSON path of the offending part; details.location a position.',
  ),
};
const repairParams = [
  crsParam,
  {
    name: 'repair',
    in: 'query',
    schema: { type: 'boolean' },
    description: 'Repair an invalid site with ST_MakeValid and report what changed. Never done unless asked.',
  },
  {
    name: 'crossBoundary',
    in: 'query',
    schema: { type: 'boolean' },
    description: "Accept a site that extends beyond the authority's boundary (cross-boundary application).",
  },
];

const slugParam = {
  name: 'slug',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' },
  description: 'The reference with - for /, e.g. 24-AP-0412',
};
const qs = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({
  name,
  in: 'query',
  schema,
  description,
});
/** The public register's search (server/modules/register/service.ts SearchQuery). */
const publicSearchParams = [
  qs('q', 'Keyword in the proposal'),
  qs('reference', 'Reference (or part of it)'),
  qs('address', 'Address text or a postcode'),
  qs('postcode', 'Postcode or its start'),
  qs('type', 'Application type (planning.data.gov.uk reference)'),
  qs('status', 'Application status'),
  qs('decision', 'Decision'),
  qs('receivedFrom', 'Received on or after (YYYY-MM-DD)', { type: 'string', format: 'date' }),
  qs('receivedTo', 'Received on or before (YYYY-MM-DD)', { type: 'string', format: 'date' }),
  qs('decidedFrom', 'Decided on or after (YYYY-MM-DD)', { type: 'string', format: 'date' }),
  qs('decidedTo', 'Decided on or before (YYYY-MM-DD)', { type: 'string', format: 'date' }),
  qs('near', '"x,y" (EPSG:27700), a postcode, an address, an OS grid reference or "lat, lon"'),
  qs('lat', 'Latitude (with lon: the browser location)', { type: 'number' }),
  qs('lon', 'Longitude', { type: 'number' }),
  qs('radius', 'Metres from near (default 500, at most 10000); the point on the site is within it', { type: 'number' }),
  qs('bbox', 'minx,miny,maxx,maxy in EPSG:27700: sites intersecting the box'),
  qs('sort', 'Order', {
    type: 'string',
    enum: ['received-desc', 'received-asc', 'decided-desc', 'reference', 'distance'],
  }),
  qs('page', 'Page (from 1)', { type: 'integer', minimum: 1 }),
  qs('pageSize', 'Items a page (default 20)', { type: 'integer', minimum: 1, maximum: 100 }),
];

export const openApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'Redline API',
    version: '0.1.0',
    description:
      "A council's planning cases and their sites, in PostGIS. Geometry is stored and measured in EPSG:27700; GeoJSON in and out is CRS84 " +
      'unless crs=EPSG:27700. Errors are always { "error": { "code", "message", "details" } }.',
    license: { name: 'Data: Open Government Licence v3.0 where stated' },
  },
  servers: [{ url: '/' }],
  tags: [
    { name: 'pages' },
    { name: 'system' },
    { name: 'auth' },
    { name: 'cases' },
    { name: 'geometry' },
    { name: 'layers' },
    { name: 'constraints' },
    { name: 'neighbours' },
    { name: 'publicity' },
    { name: 'maps' },
    { name: 'documents' },
    { name: 'statistics' },
    { name: 'admin' },
  ],
  paths: {
    '/healthz': {
      get: {
        tags: ['system'],
        summary: 'Database and PostGIS versions',
        responses: { '200': { description: 'Healthy', ...json(ref('Health')) }, '503': err('DATABASE_UNAVAILABLE') },
      },
    },
    '/api/openapi.json': {
      get: { tags: ['system'], summary: 'This document', responses: { '200': { description: 'OpenAPI 3 document' } } },
    },
    '/api/codelists/application-types': {
      get: {
        tags: ['system'],
        summary: 'Application types (planning.data.gov.uk code list, with county matters marked)',
        responses: { '200': { description: 'Code list' } },
      },
    },
    '/api/codelists/cases': {
      get: {
        tags: ['system'],
        summary: 'Statuses, breach types and notice types',
        responses: { '200': { description: 'Code lists' } },
      },
    },
    '/': { get: { tags: ['pages'], summary: 'Front page (HTML)', responses: { '200': { description: 'HTML' } } } },
    // the public planning register (issue 13): no account, read from the public_* views only
    '/register': {
      get: {
        tags: ['register'],
        summary:
          'Public register search (HTML; the query parameters of GET /api/public/applications), results list and map',
        responses: { '200': { description: 'HTML' }, '400': { description: 'HTML with the problems listed' } },
      },
    },
    '/register/near-me': {
      get: {
        tags: ['register'],
        summary:
          'Applications within a distance of a postcode, address, grid reference or lat/lon (HTML; near, radius, lat, lon)',
        responses: { '200': { description: 'HTML' }, '400': { description: 'HTML with the problems listed' } },
      },
    },
    '/register/applications/{slug}': {
      get: {
        tags: ['register'],
        summary:
          'A published application (HTML): details, key dates, site, constraints summary, publicity, decision notice',
        parameters: [slugParam],
        responses: { '200': { description: 'HTML' }, '404': err('NOT_FOUND') },
      },
    },
    '/register/applications/{slug}/decision-notice.pdf': {
      get: {
        tags: ['register'],
        summary: 'The decision notice of a decided, published application (only one naming no one)',
        parameters: [slugParam],
        responses: {
          '200': {
            description: 'PDF',
            content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
          },
          '304': { description: 'Not modified (If-None-Match)' },
          '404': err('NOT_FOUND'),
        },
      },
    },
    // comments on a published application (issue 13; server/modules/comments): a form post, no account, no cookie
    '/register/applications/{slug}/comment': {
      get: {
        tags: ['register'],
        summary: 'The comment form of a published application (HTML), with what is published: the text and the street',
        parameters: [slugParam],
        responses: { '200': { description: 'HTML' }, '404': { description: 'No such published application (HTML)' } },
      },
      post: {
        tags: ['register'],
        summary:
          'Send a comment (application/x-www-form-urlencoded: name, address, postcode, email, stance support|object|neutral, comment): stored (marked late after the consultation), acknowledged by email; limited per client and per email address; refused from another site (Origin/Referer)',
        parameters: [slugParam],
        responses: {
          '303': { description: 'Sent: to /comment/sent (?late=1 when late)' },
          '400': { description: 'HTML with the problems beside the fields and in the error summary' },
          '403': { description: 'Posted from another site (HTML)' },
          '404': { description: 'No such published application (HTML)' },
          '409': { description: 'The same comment was already sent (HTML)' },
          '429': { description: 'Too many comments from this client or email address in an hour (HTML)' },
        },
      },
    },
    '/register/alerts': {
      get: {
        tags: ['register'],
        summary:
          'Alert subscription form (HTML): an email address, a postcode, address or grid reference and a radius, or an area',
        responses: { '200': { description: 'HTML' } },
      },
      post: {
        tags: ['register'],
        summary:
          'Subscribe (application/x-www-form-urlencoded): nothing is sent but a confirmation email until its link is followed; limited per client',
        responses: {
          '200': { description: 'Check your email (HTML)' },
          '400': { description: 'HTML with the problems beside the fields' },
          '429': { description: 'Too many subscriptions from this client (HTML)' },
        },
      },
    },
    '/register/alerts/confirm/{token}': {
      get: {
        tags: ['register'],
        summary: 'Confirm page (HTML) with a button: a link scanner fetching it confirms nothing',
        parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'HTML' }, '404': { description: 'Unknown or used link (HTML)' } },
      },
      post: {
        tags: ['register'],
        summary: 'Confirm the subscription',
        parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'Confirmed (HTML)' }, '404': { description: 'Unknown link (HTML)' } },
      },
    },
    '/register/alerts/unsubscribe/{token}': {
      get: {
        tags: ['register'],
        summary: 'Unsubscribe page (HTML) with a one-click button; changes nothing by itself',
        parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'HTML' }, '404': { description: 'Unknown link (HTML)' } },
      },
      post: {
        tags: ['register'],
        summary: 'Unsubscribe, from the page or by RFC 8058 one-click (List-Unsubscribe=One-Click)',
        parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'Unsubscribed (HTML)' }, '404': { description: 'Unknown link (HTML)' } },
      },
    },
    '/register/applications/{slug}/comment/sent': {
      get: {
        tags: ['register'],
        summary: 'Comment sent (HTML; ?late=1: the comment arrived after the consultation)',
        parameters: [slugParam],
        responses: { '200': { description: 'HTML' }, '404': { description: 'No such published application (HTML)' } },
      },
    },
    '/register/lists/weekly': {
      get: {
        tags: ['register'],
        summary: 'Applications received and decided in a week (HTML; ?week=YYYY-MM-DD, any day of the week)',
        responses: { '200': { description: 'HTML' } },
      },
    },
    '/register/lists/monthly': {
      get: {
        tags: ['register'],
        summary: 'Applications received and decided in a month (HTML; ?month=YYYY-MM)',
        responses: { '200': { description: 'HTML' } },
      },
    },
    '/api/public/applications': {
      get: {
        tags: ['register'],
        summary: 'Search published applications (no account). ETag + Cache-Control: public, max-age=60',
        parameters: publicSearchParams,
        responses: {
          '200': {
            description: '{ items, total, page, pageSize, sort, near?, links: { self, first, last, prev?, next? } }',
            ...json({ type: 'object' }),
          },
          '304': { description: 'Not modified (If-None-Match)' },
          '400': err('VALIDATION_FAILED'),
        },
      },
    },
    '/api/public/applications.geojson': {
      get: {
        tags: ['register'],
        summary: 'The same search as a GeoJSON FeatureCollection (site outlines; CRS84 unless crs=EPSG:27700)',
        parameters: [
          ...publicSearchParams,
          { name: 'crs', in: 'query', schema: { type: 'string', enum: ['CRS84', 'EPSG:4326', 'EPSG:27700'] } },
        ],
        responses: {
          '200': {
            description: 'FeatureCollection with total, page, pageSize and links',
            content: { 'application/geo+json': { schema: { type: 'object' } } },
          },
          '304': { description: 'Not modified (If-None-Match)' },
          '400': err('VALIDATION_FAILED'),
        },
      },
    },
    '/api/public/applications/{slug}': {
      get: {
        tags: ['register'],
        summary:
          'A published application: details, key dates, site (EPSG:27700), constraints summary, publicity, decision notice',
        parameters: [slugParam],
        responses: {
          '200': { description: 'The application', ...json({ type: 'object' }) },
          '304': { description: 'Not modified (If-None-Match)' },
          '400': err('VALIDATION_FAILED'),
          '404': err('NOT_FOUND'),
        },
      },
    },
    '/login': {
      get: {
        tags: ['pages'],
        summary: 'Sign-in page (HTML form; ?next=/path to return to, ?expired=1 when the session ended)',
        responses: { '200': { description: 'HTML' } },
      },
      post: {
        tags: ['pages'],
        summary: 'Sign in by form post (application/x-www-form-urlencoded: username, password, next)',
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                properties: { username: { type: 'string' }, password: { type: 'string' }, next: { type: 'string' } },
              },
            },
          },
        },
        responses: {
          '303': { description: 'Signed in: to the next page (a path on this site) or /' },
          '400': { description: 'The page again, with each missing field named beside it (HTML)' },
          '401': { description: 'The page again: wrong username or password, or a disabled account (HTML)' },
          '429': { description: 'The page again: too many attempts from this address (HTML)' },
        },
      },
    },
    '/logout': {
      post: {
        tags: ['pages'],
        summary: 'Sign out by form post; to the sign-in page',
        responses: { '303': { description: 'Signed out' } },
      },
    },
    // the staff pages (server/modules/staff/routes.ts): HTML for signed-in staff; signed out, a 303 to /login
    '/cases': {
      get: {
        tags: ['pages'],
        summary: 'Staff: the case list (HTML; q, kind, status, applicationType, sort, order, page)',
        responses: { '200': { description: 'HTML' }, '303': { description: 'Not signed in: to /login?next=…' } },
      },
    },
    '/cases/new': {
      get: {
        tags: ['pages'],
        summary: 'Staff: register a case (HTML form; ?kind=application|enforcement)',
        responses: { '200': { description: 'HTML' }, '303': { description: 'Not signed in: to /login?next=…' } },
      },
      post: {
        tags: ['pages'],
        summary: 'Staff: register a case by form post (application/x-www-form-urlencoded)',
        responses: {
          '303': { description: 'Registered: to /cases/{id}' },
          '400': { description: 'The form again, with each error beside its field (HTML)' },
          '403': { description: 'The role may not register cases of this kind (HTML)' },
        },
      },
    },
    '/cases/{id}': {
      get: {
        tags: ['pages'],
        summary: 'Staff: the case page with its map, key dates and panels (HTML)',
        parameters: [idParam],
        responses: { '200': { description: 'HTML' }, '404': { description: 'No such case (HTML)' } },
      },
    },
    '/cases/{id}/decision': {
      get: {
        tags: ['pages'],
        summary:
          "Staff: record or change an application's decision (HTML form: decision, date, delegated or committee, early-decision reason; application writers)",
        parameters: [idParam],
        responses: {
          '200': { description: 'HTML' },
          '403': { description: 'Not a role that may (HTML)' },
          '404': { description: 'No such application (HTML)' },
        },
      },
      post: {
        tags: ['pages'],
        summary:
          'Staff: record the decision by form post (version, decision, decisionDate-day/-month/-year, decisionMaker, decisionOverrideReason); the status follows',
        parameters: [idParam],
        responses: {
          '303': { description: 'Recorded: to /cases/{id}?decided=1' },
          '400': { description: 'The form again, with each error beside its field (HTML)' },
          '403': { description: 'Not a role that may (HTML)' },
          '409': {
            description: 'The case changed since the form was opened: the form again, as the case now is (HTML)',
          },
          '422': {
            description: "The service's refusal (a decision the type cannot have, a date) beside its field (HTML)",
          },
        },
      },
    },
    '/cases/{id}/agreements': {
      get: {
        tags: ['pages'],
        summary:
          "Staff: an application's extensions of time, planning performance agreement and appeals, with forms to record them (HTML; application writers)",
        parameters: [idParam],
        responses: {
          '200': { description: 'HTML' },
          '403': { description: 'Not a role that may (HTML)' },
          '404': { description: 'No such application (HTML)' },
        },
      },
      post: {
        tags: ['pages'],
        summary:
          "Staff: record by form post (version, action = extension | ppa | appeal | appeal-outcome, and that form's fields)",
        parameters: [idParam],
        responses: {
          '303': { description: 'Recorded: to /cases/{id}/agreements?saved=<action>' },
          '400': { description: 'The page again, with each error beside its field (HTML)' },
          '403': { description: 'Not a role that may (HTML)' },
          '409': { description: 'The case changed since the page was opened (HTML)' },
          '422': { description: "The service's refusal beside its field (HTML)" },
        },
      },
    },
    '/cases/{id}/comments/{commentId}': {
      post: {
        tags: ['pages'],
        summary:
          "Staff: publish (optionally redacted) or reject a comment from the case page's form (status, redactedText, reason; roles as PATCH /api/cases/{id}/comments/{commentId})",
        parameters: [idParam, { name: 'commentId', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: {
          '303': { description: 'Done: back to the case page' },
          '400': { description: 'No reason (HTML)' },
          '403': { description: 'Not a role that may (HTML)' },
          '404': { description: 'No such case or comment (HTML)' },
        },
      },
    },
    '/enforcement': {
      get: {
        tags: ['pages'],
        summary: 'Staff: open enforcement cases beside a map (HTML)',
        responses: { '200': { description: 'HTML' } },
      },
    },
    '/layers': {
      get: {
        tags: ['pages'],
        summary: 'GIS: constraint layers, upload and retire (HTML; gis and admin)',
        responses: { '200': { description: 'HTML' }, '403': { description: 'Not gis or admin (HTML)' } },
      },
    },
    '/layers/{id}/retire': {
      get: {
        tags: ['pages'],
        summary: 'GIS: confirm retiring a layer (HTML form)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'HTML' } },
      },
      post: {
        tags: ['pages'],
        summary: 'GIS: retire a layer by form post (reason, confirm=yes)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '303': { description: 'Retired: to /layers' }, '400': { description: 'The form again (HTML)' } },
      },
    },
    '/api/auth/login': {
      post: {
        tags: ['auth'],
        summary: 'Sign in with username and password; sets the session cookie',
        requestBody: body('Login'),
        responses: {
          '200': { description: 'Signed in', ...json({ type: 'object', properties: { user: ref('User') } }) },
          '401': err('INVALID_CREDENTIALS'),
          '429': err('RATE_LIMITED'),
        },
      },
    },
    '/api/auth/logout': {
      post: { tags: ['auth'], summary: 'Sign out', responses: { '204': { description: 'Signed out' } } },
    },
    '/api/auth/me': {
      get: {
        tags: ['auth'],
        summary: 'Who is signed in',
        ...staff(PERMISSIONS.signedIn),
        responses: {
          '200': { description: 'The user', ...json({ type: 'object', properties: { user: ref('User') } }) },
          ...common,
        },
      },
    },
    '/api/cases': {
      get: {
        tags: ['cases'],
        summary: 'List cases with filters (newest received first)',
        ...staff(PERMISSIONS.caseRead),
        parameters: [
          'kind',
          'status',
          'applicationType',
          'breachType',
          'officer',
          'reference',
          'q',
          'receivedFrom',
          'receivedTo',
          'hasSite',
          'limit',
          'offset',
        ].map((name) => ({
          name,
          in: 'query',
          schema: { type: ['limit', 'offset'].includes(name) ? 'integer' : name === 'hasSite' ? 'boolean' : 'string' },
          ...(name === 'reference'
            ? { description: 'reference prefix' }
            : name === 'q'
              ? { description: 'text in description, address or reference' }
              : {}),
        })),
        responses: {
          '200': {
            description: 'A page of cases',
            ...json({
              type: 'object',
              properties: {
                items: { type: 'array', items: ref('Case') },
                total: { type: 'integer' },
                limit: { type: 'integer' },
                offset: { type: 'integer' },
              },
            }),
          },
          '400': err('VALIDATION_FAILED'),
          ...common,
        },
      },
      post: {
        tags: ['cases'],
        summary: 'Register a planning application or an enforcement case',
        ...staff(PERMISSIONS.caseWrite),
        requestBody: body('CaseCreate'),
        responses: {
          '201': { description: 'Created; ETag holds the version', ...json(ref('Case')) },
          '400': err('VALIDATION_FAILED'),
          '409': err('REFERENCE_TAKEN'),
          '422': err(
            'UNKNOWN_APPLICATION_TYPE, UNKNOWN_OFFICER, DECISION_NOT_FOR_TYPE, DECISION_DATE_IN_FUTURE, DECISION_BEFORE_EARLIEST_DATE',
          ),
          ...common,
        },
      },
    },
    '/api/cases/{id}': {
      get: {
        tags: ['cases'],
        summary: 'Read a case with its current site (and personal details for roles that may see them)',
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam, crsParam],
        responses: {
          '200': { description: 'The case; ETag holds the version', ...json(ref('Case')) },
          '404': err('CASE_NOT_FOUND'),
          ...common,
        },
      },
      patch: {
        tags: ['cases'],
        summary: 'Change a case (optimistic concurrency)',
        ...staff(PERMISSIONS.caseWrite),
        description: `Roles: ${PERMISSIONS.caseWrite.join(', ')}. A JSON Merge Patch (RFC 7396; Content-Type application/merge-patch+json or application/json): fields not sent are kept; in \`development\` a key sent as null is removed and a nested object merges. \`parties\` change item by item: an item with \`id\` changes that party (a field sent as null is cleared), \`{ "id", "remove": true }\` removes it, an item without \`id\` adds one; parties not sent are kept. The decision must fit the application type (422 DECISION_NOT_FOR_TYPE lists the allowed ones); a decision date after today (Europe/London) is refused (DECISION_DATE_IN_FUTURE), and one before the earliest decision date the publicity gives needs \`decisionOverrideReason\` (DECISION_BEFORE_EARLIEST_DATE), which is audited and shown on the case.`,
        parameters: [
          idParam,
          {
            name: 'If-Match',
            in: 'header',
            schema: { type: 'string', example: '"v3"' },
            description: 'The ETag read; or send "version" in the body',
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/merge-patch+json': { schema: ref('CaseUpdate') },
            'application/json': { schema: ref('CaseUpdate') },
          },
        },
        responses: {
          '200': { description: 'Changed; new ETag', ...json(ref('Case')) },
          '400': err('VALIDATION_FAILED'),
          '404': err('CASE_NOT_FOUND'),
          '422': err(
            'UNKNOWN_APPLICATION_TYPE, UNKNOWN_OFFICER, DECISION_NOT_FOR_TYPE, DECISION_DATE_IN_FUTURE, DECISION_BEFORE_EARLIEST_DATE',
          ),
          '412': err('VERSION_CONFLICT: someone changed it since; nothing was changed'),
          '428': err('PRECONDITION_REQUIRED: no If-Match or version'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/site': {
      get: {
        tags: ['cases'],
        summary: 'The current site boundary',
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam, crsParam],
        responses: {
          '200': { description: 'Site', ...json(ref('Site')) },
          '404': err('CASE_NOT_FOUND, SITE_NOT_SET'),
          ...common,
        },
      },
      put: {
        tags: ['cases'],
        summary: 'Set or replace the site boundary (the earlier one stays in the history)',
        ...staff(PERMISSIONS.caseWrite),
        parameters: [
          idParam,
          ...repairParams,
          {
            name: 'If-Match',
            in: 'header',
            schema: { type: 'string' },
            description: 'Optional: refuse if the case changed',
          },
        ],
        requestBody: body('CaseSite'),
        responses: {
          '200': {
            description: 'Stored',
            ...json({ type: 'object', properties: { site: ref('Site'), version: { type: 'integer' } } }),
          },
          ...intakeErrors,
          '404': err('CASE_NOT_FOUND'),
          '412': err('VERSION_CONFLICT'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/location': {
      put: {
        tags: ['cases'],
        summary:
          'Locate an enforcement case at a point (a GeoJSON Point or Feature of one, CRS84 by default or crs=EPSG:27700); checks, neighbours, maps and history then use it when the case has no site boundary',
        ...staff(PERMISSIONS.enforcementWrite),
        parameters: [
          idParam,
          crsParam,
          {
            name: 'If-Match',
            in: 'header',
            schema: { type: 'string' },
            description: 'Optional: refuse if the case changed',
          },
        ],
        requestBody: body('CaseLocation'),
        responses: {
          '200': {
            description: 'Stored',
            ...json({
              type: 'object',
              properties: {
                location: {
                  type: 'object',
                  properties: {
                    type: { type: 'string', enum: ['Point'] },
                    coordinates: { type: 'array', items: { type: 'number' } },
                    epsg27700: { type: 'array', items: { type: 'number' } },
                    setAt: { type: 'string', format: 'date-time' },
                    setBy: { type: 'string', nullable: true },
                  },
                },
                version: { type: 'integer' },
              },
            }),
          },
          '404': err('CASE_NOT_FOUND'),
          '412': err('VERSION_CONFLICT'),
          '422': err(
            'LOCATION_NOT_FOR_APPLICATIONS, SITE_OUTSIDE_AUTHORITY, GEOMETRY_TYPE_UNSUPPORTED, COORDINATE_OUT_OF_RANGE',
          ),
          ...common,
        },
      },
    },
    '/api/cases/{id}/site/versions': {
      get: {
        tags: ['cases'],
        summary: 'Every boundary the site has had, newest first, with who set it and when',
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam, crsParam],
        responses: {
          '200': {
            description: 'Site versions',
            ...json({ type: 'object', properties: { items: { type: 'array', items: ref('Site') } } }),
          },
          '404': err('CASE_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/nearby': {
      get: {
        tags: ['cases'],
        summary:
          "Planning history: other cases whose sites overlap, touch or lie within withinM metres of this case's site, nearest first",
        ...staff(PERMISSIONS.caseRead),
        parameters: [
          idParam,
          { name: 'withinM', in: 'query', schema: { type: 'number', minimum: 0, maximum: 1000, default: 50 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', default: 100 } },
        ],
        responses: {
          '200': {
            description: 'Nearby cases',
            ...json({
              type: 'object',
              properties: { withinM: { type: 'number' }, items: { type: 'array', items: ref('NearbyCase') } },
            }),
          },
          '404': err('CASE_NOT_FOUND, SITE_NOT_SET'),
          ...common,
        },
      },
    },
    '/api/geometry/validate': {
      post: {
        tags: ['geometry'],
        summary:
          'Check a site exactly as setting it would, without storing it (area, repair report or the reason it is refused)',
        ...staff(PERMISSIONS.geometryCheck),
        parameters: repairParams,
        requestBody: body('GeometryValidate'),
        responses: { '200': { description: 'Accepted site', ...json(ref('Site')) }, ...intakeErrors, ...common },
      },
    },
    '/api/geometry/convert': {
      post: {
        tags: ['geometry'],
        summary:
          'Convert a GeoJSON, KML/KMZ, zipped Shapefile, GeoPackage or DXF file (the raw body) to one site geometry in EPSG:27700 with what was found in it; nothing is stored',
        ...staff(PERMISSIONS.geometryCheck),
        parameters: [
          {
            name: 'filename',
            in: 'query',
            schema: { type: 'string' },
            description: 'the file name (its extension gives the type)',
          },
          {
            name: 'sourceCrs',
            in: 'query',
            schema: { type: 'string' },
            description: 'EPSG:nnnn of a file that declares no CRS (DXF: EPSG:27700 when not given)',
          },
        ],
        requestBody: {
          required: true,
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        responses: {
          '200': {
            description:
              'The site geometry (Polygon or MultiPolygon, EPSG:27700), found { fileType, layers, features, geometryTypes, crs } and warnings',
            ...json({
              type: 'object',
              properties: {
                geometry: { type: 'object' },
                found: { type: 'object' },
                warnings: { type: 'array', items: { type: 'string' } },
              },
            }),
          },
          '400': err('VALIDATION_FAILED (empty body, bad filename or sourceCrs)'),
          '415': err('FILE_TYPE_UNSUPPORTED'),
          '422': err('FILE_UNREADABLE, FILE_EMPTY, FILE_NO_POLYGONS, FILE_TOO_MANY_FEATURES'),
          ...common,
        },
      },
    },
    '/api/places': {
      get: {
        tags: ['geometry'],
        summary:
          'Find a place: postcode (full, sector, outward), street, street and number, UPRN, easting/northing, latitude/longitude or OS grid reference',
        ...staff(PERMISSIONS.referenceRead),
        parameters: [
          { name: 'q', in: 'query', required: true, schema: { type: 'string', maxLength: 200 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 50, default: 10 } },
        ],
        responses: {
          '200': {
            description: 'Ranked results: { items: [{ kind, label, x, y, bbox?, uprn?, count? }], message? }',
            ...json({
              type: 'object',
              properties: { items: { type: 'array', items: { type: 'object' } }, message: { type: 'string' } },
            }),
          },
          '400': err('VALIDATION_FAILED'),
          ...common,
        },
      },
    },
    '/api/layers': {
      get: {
        tags: ['layers'],
        summary: 'Constraint layers: definition, data version, feature count, last load report',
        ...staff(PERMISSIONS.referenceRead),
        responses: {
          '200': {
            description: 'Layers',
            ...json({ type: 'object', properties: { items: { type: 'array', items: ref('Layer') } } }),
          },
          ...common,
        },
      },
      post: {
        tags: ['layers'],
        summary: 'Add or change a local layer (same schema as layers/definitions/*.json), without a code change',
        ...staff(PERMISSIONS.layerAdmin),
        requestBody: body('LayerDefine'),
        responses: {
          '201': { description: 'Defined', ...json(ref('Layer')) },
          '400': err('VALIDATION_FAILED (each field named)'),
          ...common,
        },
      },
    },
    '/api/layers/{id}': {
      get: {
        tags: ['layers'],
        summary: 'One layer',
        ...staff(PERMISSIONS.referenceRead),
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'Layer', ...json(ref('Layer')) }, '404': err('LAYER_NOT_FOUND'), ...common },
      },
      put: {
        tags: ['layers'],
        summary:
          'Change a local layer\'s definition (audited); If-Match "v<definition>.<data>" (the GET\'s ETag) required: 428 without, 412 when stale',
        ...staff(PERMISSIONS.layerAdmin),
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: body('LayerDefine'),
        responses: {
          '200': { description: 'Changed', ...json(ref('Layer')) },
          '400': err('VALIDATION_FAILED (each field named; definition.id must be the layer of the path)'),
          '404': err('LAYER_NOT_FOUND'),
          '412': err('VERSION_CONFLICT'),
          '428': err('PRECONDITION_REQUIRED'),
          ...common,
        },
      },
      delete: {
        tags: ['layers'],
        summary: 'Delete a local layer that no stored check uses, with its features (audited)',
        ...staff(PERMISSIONS.layerAdmin),
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '204': { description: 'Deleted' },
          '404': err('LAYER_NOT_FOUND'),
          '409': err('LAYER_IN_USE (the stored checks named) or LAYER_NOT_LOCAL (a built-in layer: retire it)'),
          ...common,
        },
      },
    },
    '/api/layers/{id}/retire': {
      post: {
        tags: ['layers'],
        summary:
          'Retire a layer: kept for the stored checks and maps that used it, answered by no new check, listed as retired (audited)',
        ...staff(PERMISSIONS.layerAdmin),
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: body('LayerRetire'),
        responses: {
          '200': { description: 'Retired', ...json(ref('Layer')) },
          '400': err('VALIDATION_FAILED'),
          '404': err('LAYER_NOT_FOUND'),
          '409': err('LAYER_RETIRED (already retired)'),
          ...common,
        },
      },
    },
    '/api/authority/boundary': {
      get: {
        tags: ['layers'],
        summary:
          "The authority's boundary versions (every boundary it has had, the current one first), with their area and source",
        ...staff(PERMISSIONS.referenceRead),
        responses: {
          '200': { description: 'code, versions[{ version, source, areaM2, loadedBy, loadedAt }]' },
          ...common,
        },
      },
      put: {
        tags: ['layers'],
        summary:
          "Load or replace the authority's boundary: the request body is the file (GeoJSON, GeoPackage, or a planning.data.gov.uk local-planning-authority entity's GeoJSON). The union of its polygons, in EPSG:27700; the previous boundary is kept as a version; audited.",
        ...staff(PERMISSIONS.layerAdmin),
        parameters: [
          {
            name: 'filename',
            in: 'query',
            schema: { type: 'string' },
            description: 'original file name (its extension helps GDAL)',
          },
          {
            name: 'sourceLayer',
            in: 'query',
            schema: { type: 'string' },
            description: 'layer inside a GeoPackage with several',
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            'application/geo+json': { schema: { type: 'object' } },
          },
        },
        responses: {
          '200': {
            description:
              'code, version, source, areaM2, previous, layersRecovered (id, coverageBeforeM2, coverageAfterM2 of each layer whose coverage follows the boundary, re-covered in the same transaction)',
          },
          '422': err(
            'LAYER_FILE_UNREADABLE, LAYER_FILE_EMPTY, LAYER_FILE_NO_CRS, LAYER_FILE_WRONG_GEOMETRY: nothing changed',
          ),
          ...common,
        },
      },
    },
    '/api/authority/details': {
      get: {
        tags: ['layers'],
        summary:
          'The authority\'s contact details printed on its letters and notices (postal address, phone, email, website, the comment and plans link templates, logo, OS licence number, copyright owner); ETag "v<version>"',
        ...staff(PERMISSIONS.templateAdmin),
        parameters: [
          {
            name: 'logo',
            in: 'query',
            schema: { type: 'string', enum: ['0', '1'] },
            description: '1: include the logo data',
          },
        ],
        responses: {
          '200': { description: 'version, name, addressLines, postcode, phone, email, …, logo' },
          ...common,
        },
      },
      put: {
        tags: ['layers'],
        summary:
          "Set the authority's contact details: the fields given replace the stored ones (null clears one); the logo a PNG or SVG in base64 (at most 512 KB); If-Match checks the version; audited",
        ...staff(PERMISSIONS.templateAdmin),
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
        responses: {
          '200': { description: 'the details as stored' },
          '412': err('VERSION_CONFLICT: the details changed since they were read'),
          ...common,
        },
      },
    },
    '/api/layers/{id}/data': {
      put: {
        tags: ['layers'],
        summary:
          "Load or refresh a layer's data: the request body is the file (GeoPackage, zipped Shapefile, GeoJSON, CSV with WKT). Runs as a job (202); atomic and versioned.",
        ...staff(PERMISSIONS.layerAdmin),
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          {
            name: 'filename',
            in: 'query',
            schema: { type: 'string' },
            description: 'original file name (its extension helps GDAL)',
          },
          {
            name: 'sourceLayer',
            in: 'query',
            schema: { type: 'string' },
            description: 'layer inside a GeoPackage or zip with several',
          },
          {
            name: 'sourceCrs',
            in: 'query',
            schema: { type: 'string' },
            description: 'CRS of a file that declares none (e.g. a Shapefile without .prj)',
          },
          {
            name: 'reference',
            in: 'query',
            schema: { type: 'string' },
            description: 'source field for the feature reference (or a {A}/{B} template)',
          },
          { name: 'name', in: 'query', schema: { type: 'string' }, description: 'source field for the feature name' },
          {
            name: 'properties',
            in: 'query',
            schema: { type: 'string' },
            description: 'JSON object: target property → source field or template',
          },
          {
            name: 'repair',
            in: 'query',
            schema: { type: 'boolean' },
            description: 'repair invalid geometry (ST_MakeValid) instead of skipping it',
          },
          { name: 'coverage', in: 'query', schema: { type: 'string', enum: ['authority', 'extent'] } },
          {
            name: 'Prefer',
            in: 'header',
            schema: { type: 'string', example: 'wait=60' },
            description: 'wait=N (RFC 7240): wait up to N seconds (at most 600) for the job to end',
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            'application/geo+json': { schema: { type: 'object' } },
            'text/csv': { schema: { type: 'string' } },
          },
        },
        responses: {
          '200': {
            description:
              'With Prefer: wait, the job ended in time and succeeded: its report holds what was loaded, skipped (and why, with examples), the version and source hash',
            ...json(ref('Job')),
          },
          '202': {
            description: 'The load is queued as a job (Location: /api/jobs/{id}); GET it for progress and the report',
            ...json(ref('Job')),
          },
          '404': err('LAYER_NOT_FOUND'),
          '409': err('LAYER_RETIRED'),
          '422': err(
            'LAYER_FILE_UNREADABLE, LAYER_FILE_EMPTY, LAYER_FILE_NO_CRS, LAYER_FILE_WRONG_GEOMETRY, LAYER_FILE_FIELD_MISSING: nothing changed',
          ),
          ...common,
        },
      },
    },
    '/api/jobs': {
      get: {
        tags: ['layers'],
        summary: 'Recent jobs (layer loads), newest first',
        ...staff(PERMISSIONS.referenceRead),
        parameters: [
          { name: 'kind', in: 'query', schema: { type: 'string', enum: ['layer-load'] } },
          { name: 'subject', in: 'query', schema: { type: 'string' }, description: 'e.g. the layer id' },
          {
            name: 'status',
            in: 'query',
            schema: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed'] },
          },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        ],
        responses: {
          '200': {
            description: 'Jobs',
            ...json({ type: 'object', properties: { items: { type: 'array', items: ref('Job') } } }),
          },
          '400': err('VALIDATION_FAILED'),
          ...common,
        },
      },
    },
    '/api/jobs/{id}': {
      get: {
        tags: ['layers'],
        summary: 'A job: status, progress messages, then the report (succeeded) or the error (failed)',
        ...staff(PERMISSIONS.referenceRead),
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'integer' } },
          {
            name: 'Prefer',
            in: 'header',
            schema: { type: 'string', example: 'wait=30' },
            description: 'wait=N: answer once the job ended or after N seconds',
          },
        ],
        responses: {
          '200': { description: 'The job', ...json(ref('Job')) },
          '404': err('JOB_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/constraints/check': {
      post: {
        tags: ['constraints'],
        summary:
          'Check a posted site against every layer (or the ones named): status, relation, overlap, distance and why, in one SQL statement',
        ...staff(PERMISSIONS.geometryCheck),
        parameters: repairParams.slice(1),
        requestBody: body('ConstraintCheck'),
        responses: {
          '200': { description: 'The report', ...json(ref('ConstraintReport')) },
          ...intakeErrors,
          '404': err('LAYER_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/constraint-checks': {
      get: {
        tags: ['constraints'],
        summary: "The case's stored checks, newest first",
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam],
        responses: { '200': { description: 'Checks' }, ...common },
      },
      post: {
        tags: ['constraints'],
        summary: "Check the case's current site and store the answer with the site, layer versions and hit snapshots",
        ...staff(PERMISSIONS.caseWrite),
        parameters: [idParam],
        requestBody: body('StoredCheckCreate', false),
        responses: {
          '201': { description: 'Stored check', ...json(ref('StoredCheck')) },
          '404': err('CASE_NOT_FOUND, SITE_NOT_SET, LAYER_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/constraint-checks/{checkId}': {
      get: {
        tags: ['constraints'],
        summary: 'A stored check exactly as it was, with its hits, snapshots and decisions',
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam, { name: 'checkId', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: {
          '200': { description: 'Stored check', ...json(ref('StoredCheck')) },
          '404': err('CHECK_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/constraint-checks/{checkId}/rerun': {
      post: {
        tags: ['constraints'],
        summary: 'Run a stored check again on the same site against the current layers; store it and say what changed',
        ...staff(PERMISSIONS.caseWrite),
        parameters: [idParam, { name: 'checkId', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: { '201': { description: 'New check and the changes' }, '404': err('CHECK_NOT_FOUND'), ...common },
      },
    },
    '/api/cases/{id}/constraint-checks/{checkId}/hits/{hitId}': {
      patch: {
        tags: ['constraints'],
        summary: 'Confirm or dismiss a hit, with a reason (audited)',
        ...staff(PERMISSIONS.hitDecide),
        parameters: [
          idParam,
          { name: 'checkId', in: 'path', required: true, schema: { type: 'integer' } },
          { name: 'hitId', in: 'path', required: true, schema: { type: 'integer' } },
        ],
        requestBody: body('HitDecision'),
        responses: {
          '200': { description: 'Recorded' },
          '400': err('VALIDATION_FAILED'),
          '404': err('CHECK_NOT_FOUND, HIT_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/constraint-checks/{checkId}/setting-triggers': {
      post: {
        tags: ['constraints'],
        summary:
          'Add a reg 5A setting trigger (listed building setting or conservation area) beyond the screening distance, with a reason (audited); the case publicity then applies reg 5A',
        ...staff(PERMISSIONS.hitDecide),
        parameters: [idParam, { name: 'checkId', in: 'path', required: true, schema: { type: 'integer' } }],
        requestBody: body('SettingTrigger'),
        responses: {
          '201': { description: 'The trigger as stored' },
          '400': err('VALIDATION_FAILED'),
          '404': err('CHECK_NOT_FOUND, LAYER_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/publicity': {
      get: {
        tags: ['publicity'],
        summary:
          "The publicity the law and the authority's SCI require (with legal basis and reasons), the events recorded, their windows, the earliest decision date and the statutory determination date with extensions",
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam],
        responses: { '200': { description: 'Publicity' }, '404': err('CASE_NOT_FOUND'), ...common },
      },
    },
    '/api/cases/{id}/publicity-events': {
      post: {
        tags: ['publicity'],
        summary: 'Record a site notice posted, letters sent, press advert or website publication (audited)',
        ...staff(PERMISSIONS.publicityWrite),
        parameters: [idParam],
        requestBody: body('PublicityEvent'),
        responses: {
          '201': { description: 'Recorded, with the publicity recomputed' },
          '400': err('VALIDATION_FAILED (a field the kind needs missing, or one it does not take)'),
          '404': err('CASE_NOT_FOUND, RUN_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/publicity-events/{eventId}': {
      patch: {
        tags: ['publicity'],
        summary:
          'Correct a publicity event, with a reason (audited): a new event supersedes it, the original is kept; the publicity dates are recomputed from current events',
        ...staff(PERMISSIONS.publicityWrite),
        parameters: [idParam, { name: 'eventId', in: 'path', required: true, schema: { type: 'integer' } }],
        requestBody: body('PublicityEventCorrect'),
        responses: {
          '200': { description: 'The correction, with the publicity recomputed' },
          '400': err('VALIDATION_FAILED (no reason, nothing changed, a field the kind does not take)'),
          '404': err('CASE_NOT_FOUND, PUBLICITY_EVENT_NOT_FOUND, RUN_NOT_FOUND'),
          '409': err('PUBLICITY_EVENT_SUPERSEDED (correct the current version), PUBLICITY_EVENT_VOIDED'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/publicity-events/{eventId}/void': {
      post: {
        tags: ['publicity'],
        summary:
          'Void a publicity event, with a reason (audited): it stays on the record marked void and stops counting towards the publicity dates',
        ...staff(PERMISSIONS.publicityWrite),
        parameters: [idParam, { name: 'eventId', in: 'path', required: true, schema: { type: 'integer' } }],
        requestBody: body('PublicityEventVoid'),
        responses: {
          '200': { description: 'Voided, with the publicity recomputed' },
          '400': err('VALIDATION_FAILED (no reason)'),
          '404': err('CASE_NOT_FOUND, PUBLICITY_EVENT_NOT_FOUND'),
          '409': err('PUBLICITY_EVENT_SUPERSEDED, PUBLICITY_EVENT_VOIDED (already void)'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/comments': {
      get: {
        tags: ['cases'],
        summary:
          "Comments on the application, oldest first: stance, status, late, street, dates, the published text; the text as received and the commenter's name, address, postcode and email only for roles that see personal details",
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam],
        responses: { '200': { description: '{ items, total, new }' }, '404': err('CASE_NOT_FOUND'), ...common },
      },
    },
    '/api/cases/{id}/comments/{commentId}': {
      patch: {
        tags: ['cases'],
        summary:
          'Publish (with redactedText, the text the public sees; null: as received) or reject a comment, with a reason (audited)',
        ...staff(PERMISSIONS.applicationWrite),
        parameters: [idParam, { name: 'commentId', in: 'path', required: true, schema: { type: 'integer' } }],
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            required: ['status', 'reason'],
            additionalProperties: false,
            properties: {
              status: { type: 'string', enum: ['published', 'rejected'] },
              redactedText: { type: 'string', nullable: true, minLength: 1, maxLength: 10000 },
              reason: { type: 'string', minLength: 1, maxLength: 500 },
            },
          }),
        },
        responses: {
          '200': { description: '{ comment }' },
          '400': err('VALIDATION_FAILED'),
          '404': err('CASE_NOT_FOUND, NOT_FOUND (no such comment on the case)'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/maps/{file}': {
      get: {
        tags: ['maps'],
        summary:
          "A map image of the case, true to scale: the site location plan, the neighbour notification map (a run's recipients numbered as in its list) or the constraints map (a stored check's hits, with a key)",
        ...staff(PERMISSIONS.caseRead),
        parameters: [
          idParam,
          {
            name: 'file',
            in: 'path',
            required: true,
            schema: {
              type: 'string',
              pattern: '^(site-location|neighbours|constraints)\\.(png|jpg)$',
              example: 'site-location.png',
            },
          },
          ...mapSheetParams,
          {
            name: 'runId',
            in: 'query',
            description: 'neighbours: the notification run (default: the latest)',
            schema: { type: 'integer' },
          },
          {
            name: 'checkId',
            in: 'query',
            description:
              "constraints: the stored check (default: the latest); neighbours: also draw this stored check's constraints (default: none)",
            schema: { type: 'integer' },
          },
        ],
        responses: {
          '200': {
            description:
              'The image; X-Map-Scale, X-Map-Dpi, X-Map-Extent (EPSG:27700) and X-Map-Frame (pixels) describe it',
            content: {
              'image/png': { schema: { type: 'string', format: 'binary' } },
              'image/jpeg': { schema: { type: 'string', format: 'binary' } },
            },
          },
          '400': err('VALIDATION_FAILED (paper, orientation, scale, dpi)'),
          '404': err('CASE_NOT_FOUND, MAP_TEMPLATE_NOT_FOUND, SITE_NOT_SET, RUN_NOT_FOUND, CHECK_NOT_FOUND'),
          '409': err('NO_NEIGHBOUR_RUN, NO_CONSTRAINT_CHECK'),
          '422': err(
            'MAP_TOO_LARGE (more pixels than MAP_MAX_PIXELS), MAP_DOES_NOT_FIT (the site does not fit at that scale: details.fitsAt)',
          ),
          ...common,
        },
      },
    },
    '/api/maps/{file}': {
      post: {
        tags: ['maps'],
        summary:
          'Render a map of a posted site (ad hoc): site location plan, neighbour map (a selection as in /api/neighbours/preview) or constraints map (a live check)',
        ...staff(PERMISSIONS.geometryCheck),
        parameters: [
          {
            name: 'file',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^(site-location|neighbours|constraints)\\.(png|jpg)$' },
          },
        ],
        requestBody: body('MapRequest'),
        responses: {
          '200': {
            description: 'The image',
            content: {
              'image/png': { schema: { type: 'string', format: 'binary' } },
              'image/jpeg': { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...intakeErrors,
          '404': err('MAP_TEMPLATE_NOT_FOUND, LAYER_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/neighbours/preview': {
      post: {
        tags: ['neighbours'],
        summary: 'Who would get a neighbour letter for a posted site, and why (not stored)',
        ...staff(PERMISSIONS.geometryCheck),
        requestBody: body('NeighbourPreview'),
        responses: {
          '200': {
            description: 'Recipients with reasons, exclusions, unaddressed adjoining properties',
            ...json(ref('NeighbourSelection')),
          },
          ...intakeErrors,
          '409': err('ADDRESSES_NOT_LOADED'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/notification-runs': {
      get: {
        tags: ['neighbours'],
        summary: "The case's notification runs, newest first",
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam],
        responses: { '200': { description: 'Runs' }, ...common },
      },
      post: {
        tags: ['neighbours'],
        summary:
          "Select neighbours for the case's current site and store the run (audited); says who was added and dropped since the previous run",
        ...staff(PERMISSIONS.caseWrite),
        parameters: [idParam],
        requestBody: body('NotificationRunCreate'),
        responses: {
          '201': { description: 'The run', ...json(ref('NotificationRun')) },
          '400': err('VALIDATION_FAILED'),
          '404': err('CASE_NOT_FOUND, SITE_NOT_SET'),
          '409': err('ADDRESSES_NOT_LOADED'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/notification-runs/{runId}': {
      get: {
        tags: ['neighbours'],
        summary: 'A stored run with its recipients and the changes since the previous run',
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam, { name: 'runId', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: {
          '200': { description: 'The run', ...json(ref('NotificationRun')) },
          '404': err('RUN_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/notification-runs/{runId}/recipients.csv': {
      get: {
        tags: ['neighbours'],
        summary: 'Recipients for mail merge: "The Occupier" and 3 to 7 address lines in Royal Mail order',
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam, { name: 'runId', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: {
          '200': { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } },
          '404': err('RUN_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/notification-runs/{runId}/recipients.geojson': {
      get: {
        tags: ['neighbours'],
        summary: 'Recipients as numbered points (CRS84) for the map',
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam, { name: 'runId', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: {
          '200': { description: 'GeoJSON', content: { 'application/geo+json': { schema: { type: 'object' } } } },
          '404': err('RUN_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/addresses/data': {
      get: {
        tags: ['neighbours'],
        summary:
          'The address points: data version, source hash, load time and count; ETag "v<data version>" for the next load\'s If-Match',
        ...staff(PERMISSIONS.addressAdmin),
        responses: { '200': { description: 'Dataset state' }, ...common },
      },
      put: {
        tags: ['neighbours'],
        summary:
          'Load or replace the address points (CSV with OS Open UPRN / AddressBase-style columns, GeoJSON, GeoPackage); atomic and versioned',
        ...staff(PERMISSIONS.addressAdmin),
        parameters: [{ name: 'filename', in: 'query', schema: { type: 'string' } }],
        requestBody: {
          required: true,
          content: {
            'text/csv': { schema: { type: 'string' } },
            'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
          },
        },
        responses: {
          '200': { description: 'Load report' },
          '422': err(
            'LAYER_FILE_UNREADABLE, LAYER_FILE_EMPTY, LAYER_FILE_FIELD_MISSING, LAYER_FILE_NO_CRS: nothing changed',
          ),
          ...common,
        },
      },
    },
    '/api/properties/data': {
      get: {
        tags: ['neighbours'],
        summary:
          'The property outlines: data version, source hash, load time and count; ETag "v<data version>" for the next load\'s If-Match',
        ...staff(PERMISSIONS.addressAdmin),
        responses: { '200': { description: 'Dataset state' }, ...common },
      },
      put: {
        tags: ['neighbours'],
        summary:
          'Load or replace the property or building outlines (GeoJSON, GeoPackage, zipped Shapefile); atomic and versioned',
        ...staff(PERMISSIONS.addressAdmin),
        parameters: ['filename', 'reference', 'name', 'uprns', 'repair'].map((name) => ({
          name,
          in: 'query',
          schema: { type: name === 'repair' ? 'boolean' : 'string' },
        })),
        requestBody: {
          required: true,
          content: {
            'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            'application/geo+json': { schema: { type: 'object' } },
          },
        },
        responses: {
          '200': { description: 'Load report' },
          '422': err(
            'LAYER_FILE_UNREADABLE, LAYER_FILE_EMPTY, LAYER_FILE_WRONG_GEOMETRY, LAYER_FILE_NO_CRS: nothing changed',
          ),
          ...common,
        },
      },
    },
    '/api/document-templates': {
      get: {
        tags: ['documents'],
        summary: 'The current template of each kind of letter and notice (version, title, who saved it)',
        ...staff(PERMISSIONS.referenceRead),
        responses: {
          '200': {
            description: 'Templates',
            ...json({ type: 'object', properties: { items: { type: 'array', items: { type: 'object' } } } }),
          },
          ...common,
        },
      },
    },
    '/api/document-templates/{kind}': {
      get: {
        tags: ['documents'],
        summary:
          'A template: the current version, every earlier version, the variables it may use and the shipped default',
        ...staff(PERMISSIONS.referenceRead),
        parameters: [kindParam],
        responses: {
          '200': { description: 'The template', ...json(ref('DocumentTemplate')) },
          '404': err('TEMPLATE_KIND_NOT_FOUND'),
          ...common,
        },
      },
      put: {
        tags: ['documents'],
        summary:
          'Save a new version of a template (Mustache and the block syntax; checked, audited; no new version when nothing changed)',
        ...staff(PERMISSIONS.templateAdmin),
        parameters: [kindParam],
        requestBody: body('TemplateSave'),
        responses: {
          '200': {
            description: 'Saved (changed: false when it was the same as the current version)',
            ...json(ref('DocumentTemplate')),
          },
          '400': err('VALIDATION_FAILED'),
          '404': err('TEMPLATE_KIND_NOT_FOUND'),
          '412': err('VERSION_CONFLICT'),
          '422': err(
            'TEMPLATE_INVALID: details.issues [{ field, line, column, message, name }] and details.variables (the names there are)',
          ),
          ...common,
        },
      },
    },
    '/api/cases/{id}/documents': {
      get: {
        tags: ['documents'],
        summary: 'Letters and notices produced for the case, newest first',
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam],
        responses: {
          '200': {
            description: 'Documents',
            ...json({ type: 'object', properties: { items: { type: 'array', items: ref('Document') } } }),
          },
          '404': err('CASE_NOT_FOUND'),
          ...common,
        },
      },
      post: {
        tags: ['documents'],
        summary:
          "Produce a letter or notice from the authority's current template (tagged PDF with the map embedded once), store it with the case and audit it",
        ...staff(PERMISSIONS.caseWrite),
        parameters: [idParam],
        requestBody: body('DocumentCreate'),
        responses: {
          '201': {
            description: 'Stored; the response gives the PDF link (and the plain text of a press advert)',
            ...json(ref('Document')),
          },
          '400': err(
            'VALIDATION_FAILED (unknown kind, a field the kind does not take, a consultee letter without the consultee, a recordEvent missing what its kind needs)',
          ),
          '404': err('CASE_NOT_FOUND, RUN_NOT_FOUND, SITE_NOT_SET'),
          '409': err(
            'NO_NEIGHBOUR_RUN, NO_DECISION, DOCUMENT_NOT_APPLICABLE (a letter about an enforcement case, a run with nobody in it)',
          ),
          '422': err('MAP_TOO_LARGE'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/documents/{docId}': {
      get: {
        tags: ['documents'],
        summary: "A stored document's details: template version, run, pages, size, SHA-256, what it was made from",
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam, docIdParam],
        responses: {
          '200': { description: 'The document', ...json(ref('Document')) },
          '404': err('CASE_NOT_FOUND, DOCUMENT_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/documents/{docId}/pdf': {
      get: {
        tags: ['documents'],
        summary: 'The PDF as produced (a document naming people is for the roles that see personal details)',
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam, docIdParam],
        responses: {
          '200': {
            description: 'The PDF; ETag is its SHA-256',
            content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
          },
          '404': err('CASE_NOT_FOUND, DOCUMENT_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/users': {
      get: {
        tags: ['admin'],
        summary: 'Staff accounts',
        ...staff(PERMISSIONS.userAdmin),
        responses: {
          '200': {
            description: 'Users',
            ...json({ type: 'object', properties: { items: { type: 'array', items: ref('User') } } }),
          },
          ...common,
        },
      },
      post: {
        tags: ['admin'],
        summary: 'Create a staff account (a generated password is returned once when none is given)',
        ...staff(PERMISSIONS.userAdmin),
        requestBody: body('UserCreate'),
        responses: {
          '201': { description: 'Created' },
          '400': err('VALIDATION_FAILED'),
          '409': err('USERNAME_TAKEN'),
          ...common,
        },
      },
    },
    '/api/users/{id}': {
      get: {
        tags: ['admin'],
        summary: 'One account, with its ETag "v<version>" for a PATCH\'s If-Match',
        ...staff(PERMISSIONS.userAdmin),
        parameters: [idParam],
        responses: { '200': { description: 'The account' }, '404': err('USER_NOT_FOUND'), ...common },
      },
      patch: {
        tags: ['admin'],
        summary: 'Change role, name, password, or disable',
        ...staff(PERMISSIONS.userAdmin),
        parameters: [idParam],
        requestBody: body('UserUpdate'),
        responses: { '200': { description: 'Changed' }, '404': err('USER_NOT_FOUND'), ...common },
      },
    },
    '/api/users/{id}/tokens': {
      post: {
        tags: ['admin'],
        summary: 'Create an API token for scripts and GIS tools (shown once)',
        ...staff(PERMISSIONS.userAdmin),
        parameters: [idParam],
        requestBody: body('TokenCreate'),
        responses: {
          '201': {
            description: 'The token',
            ...json({
              type: 'object',
              properties: { id: { type: 'integer' }, name: { type: 'string' }, token: { type: 'string' } },
            }),
          },
          '404': err('USER_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/tokens/{id}': {
      delete: {
        tags: ['admin'],
        summary: 'Revoke an API token',
        ...staff(PERMISSIONS.userAdmin),
        parameters: [idParam],
        responses: { '204': { description: 'Revoked' }, '404': err('NOT_FOUND'), ...common },
      },
    },
    '/api/audit': {
      get: {
        tags: ['admin'],
        summary: 'The audit log, newest first',
        ...staff(PERMISSIONS.auditRead),
        parameters: ['entityType', 'entityId', 'limit', 'offset'].map((name) => ({
          name,
          in: 'query',
          schema: { type: ['limit', 'offset'].includes(name) ? 'integer' : 'string' },
        })),
        responses: { '200': { description: 'Audit rows' }, ...common },
      },
    },
    ...tileOpenApiPaths({ staff, err, common }),
    ...publicTileOpenApiPaths({ err }),
    ...enforcementLetterOpenApiPaths({ staff, err, common }),
    ...statisticsOpenApiPaths({ staff, err, common }),
    ...ogcApiOpenApiPaths({ err }),
    ...interchangeOpenApiPaths({ staff, err, common }),
  },
  components: {
    securitySchemes: {
      session: { type: 'apiKey', in: 'cookie', name: 'redline.sid' },
      bearer: { type: 'http', scheme: 'bearer', description: 'API token from `npm run redline -- token:create`' },
    },
    schemas: {
      ...requestSchemas(),
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', enum: Object.keys(ERRORS) },
              message: { type: 'string' },
              details: {},
            },
          },
        },
      },
      Health: {
        type: 'object',
        properties: { status: { type: 'string' }, database: { type: 'object' }, postgis: { type: 'object' } },
      },
      User: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          username: { type: 'string' },
          displayName: { type: 'string' },
          role: { type: 'string', enum: ROLES },
          disabled: { type: 'boolean' },
        },
      },
      GeoJSONSite: {
        type: 'object',
        description: 'GeoJSON Polygon or MultiPolygon, or a Feature / FeatureCollection of them',
        required: ['type'],
        properties: { type: { type: 'string', enum: ['Polygon', 'MultiPolygon', 'Feature', 'FeatureCollection'] } },
      },
      Site: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          areaM2: { type: 'number', description: 'planar, EPSG:27700' },
          areaHa: { type: 'number' },
          source: { type: 'string', enum: SITE_SOURCES },
          inputCrs: { type: 'string' },
          repair: { type: 'object', nullable: true, description: 'what repair=true changed' },
          setAt: { type: 'string', format: 'date-time' },
          setBy: { type: 'string' },
          supersededAt: { type: 'string', nullable: true },
          geometry: { type: 'object' },
        },
      },
      Case: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          reference: { type: 'string' },
          kind: { type: 'string' },
          applicationType: { type: 'string', nullable: true },
          breachType: { type: 'string', nullable: true },
          description: { type: 'string' },
          siteAddress: { type: 'string', nullable: true },
          uprns: { type: 'array', items: { type: 'integer' } },
          status: { type: 'string' },
          receivedDate: { type: 'string', format: 'date' },
          validDate: { type: 'string', nullable: true },
          targetDate: { type: 'string', nullable: true },
          effectiveTargetDate: {
            type: 'string',
            nullable: true,
            description: 'the latest agreed extension of time, else the target date',
          },
          decision: { type: 'string', nullable: true },
          decisionDate: { type: 'string', nullable: true },
          decisionOverrideReason: {
            type: 'string',
            nullable: true,
            description: 'why the decision is dated before the earliest decision date (audited)',
          },
          version: { type: 'integer' },
          development: ref('Development'),
          publicity: { type: 'object', nullable: true, description: 'as GET /api/cases/{id}/publicity (applications)' },
          site: { allOf: [ref('Site')], nullable: true },
          parties: { type: 'array', items: ref('Party'), description: 'only for roles that may see personal details' },
        },
      },
      Layer: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          category: { type: 'string' },
          origin: { type: 'string', enum: ['builtin', 'local'] },
          definition: ref('LayerDefinition'),
          dataVersion: { type: 'integer' },
          featureCount: { type: 'integer' },
          loadedAt: { type: 'string', nullable: true },
          sourceHash: { type: 'string', nullable: true },
          lastLoad: { type: 'object', nullable: true },
          retired: {
            type: 'boolean',
            description: 'retired: answered by no new check, kept for stored checks and maps',
          },
          retiredAt: { type: 'string', format: 'date-time', nullable: true },
          retiredReason: { type: 'string', nullable: true },
        },
      },
      Job: {
        type: 'object',
        required: ['id', 'kind', 'status', 'url', 'progress', 'createdAt', 'createdBy'],
        properties: {
          id: { type: 'integer' },
          kind: { type: 'string', enum: ['layer-load'] },
          subject: { type: 'string', nullable: true },
          status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed'] },
          url: { type: 'string' },
          file: {
            type: 'object',
            nullable: true,
            properties: { name: { type: 'string' }, bytes: { type: 'integer' }, sha256: { type: 'string' } },
          },
          params: { type: 'object' },
          progress: {
            type: 'array',
            items: {
              type: 'object',
              properties: { at: { type: 'string', format: 'date-time' }, message: { type: 'string' } },
            },
          },
          report: { nullable: true, allOf: [ref('LoadReport')] },
          error: { type: 'object', nullable: true },
          attempts: { type: 'integer' },
          createdAt: { type: 'string', format: 'date-time' },
          createdBy: { type: 'string' },
          startedAt: { type: 'string', format: 'date-time', nullable: true },
          finishedAt: { type: 'string', format: 'date-time', nullable: true },
        },
      },
      LoadReport: {
        type: 'object',
        properties: {
          layerId: { type: 'string' },
          dataVersion: { type: 'integer' },
          previousVersion: { type: 'integer' },
          sourceHash: { type: 'string' },
          read: { type: 'integer' },
          loaded: { type: 'integer' },
          repaired: { type: 'integer' },
          skipped: { type: 'object' },
          skippedExamples: { type: 'array', items: { type: 'object' } },
          pieces: { type: 'integer' },
          ms: { type: 'integer' },
        },
      },
      ConstraintReport: {
        type: 'object',
        properties: {
          siteAreaM2: { type: 'number' },
          summary: { type: 'object' },
          publicity: { type: 'array', items: { type: 'object' } },
          layers: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                layerId: { type: 'string' },
                status: { type: 'string', enum: ['constraint', 'clear', 'unknown'] },
                sentence: { type: 'string' },
                rule: { type: 'object' },
                dataVersion: { type: 'integer' },
                caveats: { type: 'array', items: { type: 'string' } },
                hits: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      reference: { type: 'string' },
                      name: { type: 'string' },
                      relation: {
                        type: 'string',
                        enum: ['site-within-feature', 'feature-within-site', 'overlaps', 'touches', 'near'],
                      },
                      overlapM2: { type: 'number' },
                      overlapPct: { type: 'number' },
                      distanceM: { type: 'number' },
                      fired: { type: 'boolean' },
                      why: { type: 'string' },
                      keyFields: { type: 'array', items: { type: 'object' } },
                    },
                  },
                },
              },
            },
          },
        },
      },
      StoredCheck: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          caseId: { type: 'integer' },
          siteId: { type: 'integer' },
          createdAt: { type: 'string' },
          createdBy: { type: 'string' },
          previousId: { type: 'integer', nullable: true },
          layers: { type: 'array', items: { type: 'object' } },
          report: ref('ConstraintReport'),
          hits: { type: 'array', items: { type: 'object' } },
          settingTriggers: { type: 'array', items: { type: 'object' } },
          stale: {
            type: 'boolean',
            description:
              "made before the case's current site boundary, or before a layer was reloaded, redefined, retired, removed or added",
          },
          staleBecause: {
            type: 'array',
            items: {
              type: 'object',
              properties: { reason: { type: 'string' }, layerId: { type: 'string' }, message: { type: 'string' } },
            },
          },
        },
      },
      Recipient: {
        type: 'object',
        properties: {
          number: { type: 'integer' },
          uprn: { type: 'integer' },
          parentUprn: { type: 'integer', nullable: true },
          addressLines: { type: 'array', items: { type: 'string' } },
          postcode: { type: 'string' },
          distanceM: { type: 'number' },
          reasons: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                mode: {
                  type: 'string',
                  enum: ['adjoining', 'radius', 'polygon', 'manual', 'same-building', 'same-building-as-site'],
                },
                detail: { type: 'string' },
                distanceM: { type: 'number' },
              },
            },
          },
        },
      },
      NeighbourSelection: {
        type: 'object',
        properties: {
          recipients: { type: 'array', items: ref('Recipient') },
          excluded: { type: 'array', items: { type: 'object' } },
          unaddressed: { type: 'array', items: { type: 'object' } },
          notFound: { type: 'array', items: { type: 'integer' } },
          addressVersion: { type: 'integer' },
          propertyVersion: { type: 'integer' },
        },
      },
      NotificationRun: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          caseId: { type: 'integer' },
          params: ref('Selection'),
          recipientCount: { type: 'integer' },
          recipients: { type: 'array', items: ref('Recipient') },
          excluded: {
            type: 'array',
            items: { type: 'object' },
            description: "the site's own addresses and removals, with why (returned when the run is created)",
          },
          notFound: { type: 'array', items: { type: 'integer' } },
          changes: {
            type: 'object',
            nullable: true,
            properties: {
              added: { type: 'array', items: { type: 'object' } },
              dropped: { type: 'array', items: { type: 'object' } },
            },
          },
        },
      },
      Document: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          caseId: { type: 'integer' },
          kind: { type: 'string', enum: DOCUMENT_KINDS },
          title: { type: 'string' },
          templateId: { type: 'integer' },
          templateVersion: { type: 'integer' },
          runId: { type: 'integer', nullable: true },
          pages: { type: 'integer' },
          bytes: { type: 'integer' },
          sha256: { type: 'string' },
          recipients: { type: 'integer', nullable: true },
          personalData: { type: 'boolean' },
          details: { type: 'object' },
          createdBy: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
          pdf: { type: 'string', description: 'the PDF link' },
          text: { type: 'string', description: 'press-advert: the plain text for the newspaper' },
          publicityEvent: {
            type: 'object',
            description: 'when produced with recordEvent: the publicity event recorded with it (201 response only)',
          },
        },
      },
      DocumentTemplate: {
        type: 'object',
        properties: {
          kind: { type: 'string', enum: DOCUMENT_KINDS },
          name: { type: 'string' },
          current: ref('DocumentTemplateVersion'),
          versions: { type: 'array', items: ref('DocumentTemplateVersion') },
          variables: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                type: { type: 'string', enum: ['text', 'flag', 'list'] },
                description: { type: 'string' },
                fields: { type: 'array', items: { type: 'string' } },
              },
            },
          },
          titleVariables: { type: 'array', items: { type: 'string' } },
          default: { type: 'object', properties: { title: { type: 'string' }, body: { type: 'string' } } },
          changed: { type: 'boolean' },
        },
      },
      DocumentTemplateVersion: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          version: { type: 'integer' },
          title: { type: 'string' },
          body: { type: 'string' },
          createdBy: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
      NearbyCase: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          reference: { type: 'string' },
          kind: { type: 'string' },
          relation: { type: 'string', enum: ['overlaps', 'touches', 'near'] },
          distanceM: { type: 'number' },
          overlapM2: { type: 'number' },
          status: { type: 'string' },
          receivedDate: { type: 'string' },
          decision: { type: 'string', nullable: true },
        },
      },
    },
  },
} as const;
