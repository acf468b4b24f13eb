/** Document templates: the defaults shipped in server/documents/templates/<kind>.md (inserted as version 1 for an
 *  authority that has none), reading the current and earlier versions, and saving a new version (admin; checked,
 *  audited). Versions are rows that are never changed, so each document keeps pointing at the wording it used. */
import crypto from 'node:crypto';
import { checkVersion, type IfMatch } from '../../http/if-match.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { repoRoot } from '../../config/index.ts';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import {
  checkTemplate,
  DOCUMENT_KINDS,
  isDocumentKind,
  KIND_INFO,
  KIND_VARIABLES,
  titleVariables,
  variableList,
  type DocumentKind,
} from '../../../shared/domain/documents.ts';
import * as repo from './repo.ts';

export const TEMPLATES_DIR = path.join(repoRoot, 'server', 'documents', 'templates');

/** A default template file: a `title: …` line, a `---` line, then the body. */
export function parseTemplateFile(text: string, file: string): { title: string; body: string } {
  const m = /^title:[ \t]*(.*)\r?\n---[ \t]*\r?\n([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`${file}: a template file starts with a "title: …" line and a "---" line`);
  return { title: m[1]!.trim(), body: m[2]! };
}

let defaults: Record<DocumentKind, { title: string; body: string }> | null = null;
export function defaultTemplates(): Record<DocumentKind, { title: string; body: string }> {
  if (!defaults) {
    const out = {} as Record<DocumentKind, { title: string; body: string }>;
    for (const kind of DOCUMENT_KINDS) {
      const file = path.join(TEMPLATES_DIR, `${kind}.md`);
      out[kind] = parseTemplateFile(fs.readFileSync(file, 'utf8'), file);
      const issues = checkTemplate(kind, out[kind]);
      if (issues.length)
        throw new Error(
          `${file}: ${issues.map((i) => `${i.field} line ${i.line} column ${i.column}: ${i.message}`).join('; ')}`,
        );
    }
    defaults = out;
  }
  return defaults;
}

const ensured = new WeakMap<Knex, Set<number>>();

/** Version 1 of every kind for the authority, from the shipped defaults, where it has none (once per process). */
export async function ensureDefaultTemplates(db: Knex, authorityId: number): Promise<void> {
  let done = ensured.get(db);
  if (done?.has(authorityId)) return;
  const d = defaultTemplates();
  for (const kind of DOCUMENT_KINDS)
    await repo.insertDefaultTemplate(db, authorityId, kind, d[kind].title, d[kind].body);
  if (!done) ensured.set(db, (done = new Set()));
  done.add(authorityId);
}

export function kindOf(raw: string | string[] | undefined): DocumentKind {
  const k = typeof raw === 'string' ? raw : '';
  if (!isDocumentKind(k)) {
    throw new AppError(
      'TEMPLATE_KIND_NOT_FOUND',
      `There is no kind of document "${String(raw)}": the kinds are ${DOCUMENT_KINDS.join(', ')}.`,
      { kinds: DOCUMENT_KINDS },
    );
  }
  return k;
}

export async function currentTemplate(db: Knex, authorityId: number, kind: DocumentKind): Promise<repo.TemplateRow> {
  await ensureDefaultTemplates(db, authorityId);
  const t = await repo.currentTemplate(db, authorityId, kind);
  if (!t) throw new Error(`no ${kind} template for authority ${authorityId}`);
  return t;
}

const versionView = (t: repo.TemplateRow) => ({
  id: t.id,
  version: t.version,
  title: t.title,
  body: t.body,
  createdBy: t.createdBy ?? 'Redline default',
  createdAt: t.createdAt,
});

export async function listTemplates(db: Knex, authorityId: number) {
  await ensureDefaultTemplates(db, authorityId);
  const rows = await repo.currentTemplates(db, authorityId);
  return {
    items: rows.map((t) => ({
      kind: t.kind,
      name: KIND_INFO[t.kind as DocumentKind].name,
      version: t.version,
      title: t.title,
      updatedBy: t.createdBy ?? 'Redline default',
      updatedAt: t.createdAt,
    })),
  };
}

export async function getTemplate(db: Knex, authorityId: number, kind: DocumentKind) {
  await ensureDefaultTemplates(db, authorityId);
  const versions = await repo.templateVersions(db, authorityId, kind);
  return {
    kind,
    name: KIND_INFO[kind].name,
    current: versionView(versions[0]!),
    versions: versions.map(versionView),
    variables: variableList(KIND_VARIABLES[kind]),
    titleVariables: Object.keys(titleVariables(kind)),
    default: defaultTemplates()[kind],
  };
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** Saves a new version (unless nothing changed). The version the admin edited (If-Match `ifMatch` or `input.version`)
 *  is required (428) and refused when stale (412). */
export async function saveTemplate(
  db: Knex,
  authorityId: number,
  kind: DocumentKind,
  input: { title: string; body: string; version?: number },
  actor: Actor,
  requestId?: string,
  ifMatch: IfMatch = null,
) {
  const issues = checkTemplate(kind, input);
  if (issues.length) {
    const first = issues[0]!;
    throw new AppError(
      'TEMPLATE_INVALID',
      `The ${first.field} of the template has a problem at line ${first.line}, column ${first.column}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}.`,
      {
        issues,
        variables: variableList(first.field === 'title' ? titleVariables(kind) : KIND_VARIABLES[kind]).map(
          (v) => v.name,
        ),
      },
    );
  }
  await ensureDefaultTemplates(db, authorityId);
  const saved = await db.transaction(async (trx) => {
    await repo.lockTemplateKind(trx, authorityId, kind);
    const cur = (await repo.currentTemplate(trx, authorityId, kind))!;
    // the version edited: If-Match, or "version" in the body; required (428), refused when stale (412)
    checkVersion(`${kind} template`, cur.version, ifMatch ?? input.version ?? null);
    if (cur.title === input.title && cur.body === input.body) return { changed: false };
    const version = cur.version + 1;
    const id = await repo.insertTemplate(trx, {
      authorityId,
      kind,
      version,
      title: input.title,
      body: input.body,
      createdBy: actor.id,
    });
    await writeAudit(trx, {
      actor,
      action: 'document-template.update',
      entityType: 'document_template',
      entityId: id,
      requestId,
      before: { kind, version: cur.version, title: cur.title, bodySha256: sha256(cur.body) },
      after: { kind, version, title: input.title, bodySha256: sha256(input.body), bodyLength: input.body.length },
    });
    return { changed: true };
  });
  return { ...(await getTemplate(db, authorityId, kind)), changed: saved.changed };
}
