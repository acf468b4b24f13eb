/**
 * The authority's contact details as letters, notices and maps print them (issue 14): name, postal address, phone,
 * email, website, the online comment and view-the-plans URL templates ({reference}), its logo, the OS licence number
 * and copyright owner; and a case officer's contact. Read-only here: the admin API/CLI set them (service.ts).
 */
import type { Knex } from 'knex';
import { findAuthorityDetails, findUserContact } from './repo.ts';

export interface AuthorityDetails {
  name: string; // 'London Borough of Southwark' (authority.name)
  addressLines: string[]; // postal address lines, without postcode; [] when not set
  postcode: string | null;
  phone: string | null;
  email: string | null;
  website: string | null;
  commentUrlTemplate: string | null; // e.g. 'https://…/register/applications/{reference}/comment'
  plansUrlTemplate: string | null; // e.g. 'https://…/register/applications/{reference}'
  logo: { mediaType: 'image/png' | 'image/svg+xml'; data: Buffer } | null;
  osLicenceNumber: string | null; // e.g. 'AC0000012345'
  copyrightOwner: string | null; // e.g. 'London Borough of Southwark'
}

export async function getAuthorityDetails(db: Knex | Knex.Transaction, authorityId: number): Promise<AuthorityDetails> {
  const r = await findAuthorityDetails(db, authorityId);
  if (!r) throw new Error(`There is no authority ${authorityId}.`);
  return {
    name: r.name,
    addressLines: r.addressLines,
    postcode: r.postcode,
    phone: r.phone,
    email: r.email,
    website: r.website,
    commentUrlTemplate: r.commentUrlTemplate,
    plansUrlTemplate: r.plansUrlTemplate,
    logo:
      r.logoData && (r.logoMediaType === 'image/png' || r.logoMediaType === 'image/svg+xml')
        ? { mediaType: r.logoMediaType, data: r.logoData }
        : null,
    osLicenceNumber: r.osLicenceNumber,
    copyrightOwner: r.copyrightOwner,
  };
}

/**
 * The URL with {reference} filled (URL-encoded); null when the template is not set. `{slug}` is filled too with the
 * public register's form of the reference ('24/AP/0001' -> '24-AP-0001', the register's application page address).
 */
export function urlFor(template: string | null, reference: string): string | null {
  if (!template) return null;
  const slug = reference.replace(/\//g, '-');
  return template
    .replace(/\{reference\}/g, encodeURIComponent(reference))
    .replace(/\{slug\}/g, encodeURIComponent(slug));
}

/** A user's name, email and phone (for the case officer on a letter); null when no user is given or found. */
export async function officerContact(
  db: Knex | Knex.Transaction,
  userId: number | null,
): Promise<{ name: string; email: string | null; phone: string | null } | null> {
  if (userId === null || userId === undefined) return null;
  return findUserContact(db, userId);
}
