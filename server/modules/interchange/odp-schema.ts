/**
 * The Open Digital Planning application JSON Schema (schemas/application.json, release v0.7.7: see schemas/SOURCE.md)
 * compiled with Ajv (draft-07) once, on first use. The file is read as data; its definitions' plain-name `$id`
 * anchors ("#ApplicationType") are left out of what Ajv compiles (every `$ref` of the file is a JSON pointer), and
 * Ajv's code optimiser is off (a 0.8 MB schema: it would more than double the compile time).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ODP_SCHEMA_DIR = path.join(here, 'schemas');
export const ODP_SCHEMA_VERSION = '0.7.7';
export const ODP_SCHEMA_URL = `https://theopensystemslab.github.io/digital-planning-data-schemas/v${ODP_SCHEMA_VERSION}/schemas/application.json`;

/** The schema's JSON with the nested `$id`s left out (the root's is kept). */
function withoutNestedIds(node: unknown, root = true): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutNestedIds(n, false));
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$id' && !root) continue;
      out[k] = withoutNestedIds(v, false);
    }
    return out;
  }
  return node;
}

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

const compiled = new Map<string, ValidateFunction>();

/** The validator of a shipped schema file (compiled once per process). */
export function odpValidator(file = 'application.json'): ValidateFunction {
  let v = compiled.get(file);
  if (!v) {
    const schema = JSON.parse(fs.readFileSync(path.join(ODP_SCHEMA_DIR, file), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, code: { optimize: false } });
    addFormats(ajv);
    v = ajv.compile(withoutNestedIds(schema) as object);
    compiled.set(file, v);
  }
  return v;
}

export interface Problem {
  /** JSON Pointer (RFC 6901) into the submission */
  path: string;
  code: string;
  message: string;
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

const STRUCTURAL = new Set(['required', 'additionalProperties', 'type', 'const', 'enum']);

/**
 * A value that fits none of an anyOf's alternatives gets errors from every alternative. When some alternative failed
 * only deeper down (it fits the value's shape here), the other alternatives' shape errors at the value itself
 * ("notApplicable is required", "calculated is not allowed") say nothing useful: they are left out.
 */
function wrongAlternativeErrors(list: ErrorObject[]): Set<ErrorObject> {
  const drop = new Set<ErrorObject>();
  const branchesAt = new Map<string, number>();
  for (const e of list) {
    if (e.keyword !== 'anyOf') continue;
    const n = ((e.parentSchema as { anyOf?: unknown[] } | undefined)?.anyOf ?? []).length;
    branchesAt.set(e.instancePath, Math.max(n, branchesAt.get(e.instancePath) ?? 0));
  }
  for (const [p, branches] of branchesAt) {
    const atP = list.filter((e) => e.instancePath === p && STRUCTURAL.has(e.keyword));
    // each alternative's own schema object (the same definition reached twice is one alternative)
    const groups = new Set(atP.map((e) => e.parentSchema));
    const deeper = list.some((e) => e.keyword !== 'anyOf' && e.instancePath.startsWith(`${p}/`));
    if (deeper && groups.size > 0 && groups.size < branches) for (const e of atP) drop.add(e);
  }
  return drop;
}

/** Ajv's errors as problems: the path of the property itself for a missing or unexpected one; the values a `const`
 *  or `enum` allows gathered into one problem per path; a failed anyOf left out when its branches' own errors say
 *  more; each (path, message) once. */
export function schemaProblems(errors: ErrorObject[] | null | undefined): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  const all = errors ?? [];
  const dropped = wrongAlternativeErrors(all);
  const list = all.filter((e) => !dropped.has(e));
  const allowedAt = new Map<string, unknown[]>();
  for (const e of list) {
    if (e.keyword !== 'const' && e.keyword !== 'enum') continue;
    const params = e.params as { allowedValue?: unknown; allowedValues?: unknown[] };
    const values = allowedAt.get(e.instancePath) ?? [];
    values.push(...(e.keyword === 'const' ? [params.allowedValue] : (params.allowedValues ?? [])));
    allowedAt.set(e.instancePath, values);
  }
  for (const e of list) {
    let p = e.instancePath;
    let message = e.message ?? 'does not fit the schema';
    let code = `SCHEMA_${e.keyword.toUpperCase()}`;
    if (e.keyword === 'required') {
      p = `${p}/${escapePointer((e.params as { missingProperty: string }).missingProperty)}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      p = `${p}/${escapePointer((e.params as { additionalProperty: string }).additionalProperty)}`;
      message = 'is not a property the schema allows here';
    } else if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      const deeper = list.some((o) => o !== e && o.instancePath.startsWith(e.instancePath) && o.keyword !== e.keyword);
      if (deeper) continue;
    } else if (e.keyword === 'const' || e.keyword === 'enum') {
      const values = [...new Set((allowedAt.get(p) ?? []).map((v) => JSON.stringify(v)))];
      code = 'SCHEMA_ENUM';
      message =
        values.length <= 12
          ? `must be one of ${values.join(', ')}`
          : `must be one of the ${values.length} values the schema allows (${values.slice(0, 5).join(', ')}, …)`;
    }
    const key = `${p}\u0000${code}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: p, code, message });
  }
  return out;
}
