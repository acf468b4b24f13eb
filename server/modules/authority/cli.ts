/**
 * `npm run redline -- authority:details [--file details.json] [--logo logo.png|logo.svg|none]`: shows, or sets, the
 * authority's contact details printed on its letters, notices and decision notices. The file holds the fields of
 * PUT /api/authority/details (name, addressLines, postcode, phone, email, website, commentUrlTemplate,
 * plansUrlTemplate, osLicenceNumber, copyrightOwner; fields left out are kept, null clears one), its "logo" a path
 * to a PNG or SVG file (relative to the file) or null; --logo gives the logo's file (or "none" to remove it).
 * Audited, as the API is.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { isAppError } from '../../../shared/errors.ts';
import type { Actor } from '../audit/audit.ts';
import { AuthorityDetailsSchema, getDetails, setDetails, type AuthorityDetailsInput } from './service.ts';

export interface DetailsCli {
  db: Knex;
  code: string;
  actor: Actor;
  file?: string;
  logo?: string;
  out(text: string): void;
  /** a mistake in the command: exit 2 with the message */
  usage(message: string): never;
}

function logoFromFile(c: DetailsCli, file: string): NonNullable<AuthorityDetailsInput['logo']> {
  const ext = path.extname(file).toLowerCase();
  const mediaType = ext === '.png' ? 'image/png' : ext === '.svg' ? 'image/svg+xml' : null;
  if (!mediaType) c.usage(`logo ${file}: a logo is a .png or .svg file`);
  if (!fs.existsSync(file)) c.usage(`logo ${file}: no such file`);
  return { mediaType, data: fs.readFileSync(file).toString('base64') };
}

export async function authorityDetailsCommand(c: DetailsCli): Promise<void> {
  let input: AuthorityDetailsInput | null = null;
  if (c.file) {
    if (!fs.existsSync(c.file)) c.usage(`--file ${c.file}: no such file`);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(fs.readFileSync(c.file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      return c.usage(`--file ${c.file}: not JSON (${(e as Error).message})`);
    }
    if (typeof json.logo === 'string') json.logo = logoFromFile(c, path.resolve(path.dirname(c.file), json.logo));
    const parsed = AuthorityDetailsSchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      c.usage(`${c.file}: ${problems.join('; ')}`);
    }
    input = parsed.data;
  }
  if (c.logo !== undefined) input = { ...input, logo: c.logo === 'none' ? null : logoFromFile(c, c.logo) };
  if (input) {
    try {
      await setDetails(c.db, c.actor, c.code, input, null);
    } catch (e) {
      if (isAppError(e) && e.code === 'VALIDATION_FAILED') c.usage(e.message.replace(/^body\./, ''));
      throw e;
    }
    c.out(`Details set for ${c.code}\n`);
  }
  c.out(JSON.stringify(await getDetails(c.db, c.code), null, 2) + '\n');
}
