/** The enforcement letters' routes in the OpenAPI document (server/http/openapi.ts spreads them into its paths). The
 *  request bodies are generated from the zod schemas the routes validate them with. */
import { z } from 'zod';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { ENFORCEMENT_LETTER_KINDS } from '../../../shared/domain/enforcement-letters.ts';
import { CreateLetterBody, LetterTemplateBody } from './routes.ts';

interface Helpers {
  staff: (roles: readonly string[]) => object;
  err: (description: string) => object;
  common: Record<string, object>;
}

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
function bodySchema(schema: z.ZodType, description: string) {
  const {
    $schema: _s,
    $id: _i,
    ...out
  } = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { required: true, ...json({ description, ...out }) };
}
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const kindParam = {
  name: 'kind',
  in: 'path',
  required: true,
  schema: { type: 'string', enum: ENFORCEMENT_LETTER_KINDS },
};
const letterIdParam = { name: 'letterId', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const Letter = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    caseId: { type: 'integer' },
    kind: { type: 'string', enum: ENFORCEMENT_LETTER_KINDS },
    title: { type: 'string' },
    recipientKind: { type: 'string', enum: ['complainant', 'owner-occupier'] },
    templateVersion: { type: 'integer' },
    pages: { type: 'integer' },
    sha256: { type: 'string' },
    personalData: { type: 'boolean' },
    pdf: { type: 'string', description: 'the PDF link' },
  },
};

export function enforcementLetterOpenApiPaths({ staff, err, common }: Helpers) {
  const tags = ['documents'];
  return {
    '/api/enforcement-letter-templates': {
      get: {
        tags,
        summary: 'The current template of each kind of enforcement letter (version, title, who saved it)',
        ...staff(PERMISSIONS.referenceRead),
        responses: { '200': { description: 'Templates', ...json({ type: 'object' }) }, ...common },
      },
    },
    '/api/enforcement-letter-templates/{kind}': {
      get: {
        tags,
        summary: 'An enforcement letter template: current and earlier versions, its variables, the shipped default',
        ...staff(PERMISSIONS.referenceRead),
        parameters: [kindParam],
        responses: {
          '200': { description: 'The template; ETag "v<version>"', ...json({ type: 'object' }) },
          '404': err('TEMPLATE_KIND_NOT_FOUND'),
          ...common,
        },
      },
      put: {
        tags,
        summary:
          'Save a new version of an enforcement letter template (If-Match: "v<version>" or body.version required; checked, audited)',
        ...staff(PERMISSIONS.templateAdmin),
        parameters: [kindParam],
        requestBody: bodySchema(LetterTemplateBody, 'A new version of the template; version may stand in for If-Match'),
        responses: {
          '200': { description: 'Saved (changed: false when it was the same)', ...json({ type: 'object' }) },
          '400': err('VALIDATION_FAILED'),
          '404': err('TEMPLATE_KIND_NOT_FOUND'),
          '412': err('VERSION_CONFLICT'),
          '422': err('TEMPLATE_INVALID: details.issues [{ field, line, column, message, name }]'),
          '428': err('PRECONDITION_REQUIRED: no If-Match or version'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/enforcement-letters': {
      get: {
        tags,
        summary: 'Enforcement letters produced for the case, newest first',
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam],
        responses: {
          '200': {
            description: 'Letters',
            ...json({ type: 'object', properties: { items: { type: 'array', items: Letter } } }),
          },
          '404': err('CASE_NOT_FOUND'),
          ...common,
        },
      },
      post: {
        tags,
        summary:
          "Produce an enforcement letter from the authority's current template (tagged PDF with the letterhead), store it with the case and audit it",
        ...staff(PERMISSIONS.enforcementLetterWrite),
        parameters: [idParam],
        requestBody: bodySchema(
          CreateLetterBody,
          'recipient: a complainant party id (complaint-acknowledgement, case-closed) or the owner or occupier { name?, addressLines, postcode? } (owner-occupier, pcn-cover; default: The Owner or Occupier at the site address); reason: case-closed only; replyBy: owner-occupier and pcn-cover only',
        ),
        responses: {
          '201': { description: 'Stored; the response gives the PDF link', ...json(Letter) },
          '400': err('VALIDATION_FAILED (a field the kind does not take, a recipient of the wrong sort)'),
          '404': err('CASE_NOT_FOUND'),
          '409': err('ENFORCEMENT_ONLY (an application case), NO_COMPLAINANT'),
          '422': err('CLOSING_REASON_REQUIRED (case-closed on an open case without a reason)'),
          ...common,
        },
      },
    },
    '/api/cases/{id}/enforcement-letters/{letterId}': {
      get: {
        tags,
        summary: "A stored letter's details: kind, template version, pages, SHA-256, what it was made from",
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam, letterIdParam],
        responses: {
          '200': { description: 'The letter', ...json(Letter) },
          '404': err('CASE_NOT_FOUND, LETTER_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/cases/{id}/letters': {
      get: {
        tags: ['pages'],
        summary:
          "Staff: an enforcement case's letters (PDF links for the roles that may read them) and the form to produce one (HTML)",
        parameters: [idParam],
        responses: { '200': { description: 'HTML' }, '404': { description: 'No such case (HTML)' } },
      },
      post: {
        tags: ['pages'],
        summary:
          'Staff: produce an enforcement letter from the form (kind, reason, replyBy-day/month/year, ownerName, ownerAddress, ownerPostcode; roles as POST /api/cases/{id}/enforcement-letters)',
        parameters: [idParam],
        responses: {
          '303': { description: 'Produced: back to the letters page' },
          '400': { description: 'The form again, with the error beside its field (HTML; 409 or 422 for a refusal)' },
          '403': { description: 'Not a role that may (HTML)' },
          '404': { description: 'No such case (HTML)' },
        },
      },
    },
    '/api/cases/{id}/enforcement-letters/{letterId}.pdf': {
      get: {
        tags,
        summary: 'The PDF as produced (a letter naming a person is for the roles that see personal details)',
        ...staff(PERMISSIONS.caseRead),
        parameters: [idParam, letterIdParam],
        responses: {
          '200': {
            description: 'The PDF; ETag is its SHA-256',
            content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
          },
          '404': err('CASE_NOT_FOUND, LETTER_NOT_FOUND'),
          ...common,
        },
      },
    },
  };
}
