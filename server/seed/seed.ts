/**
 * First-start data: the authority with its boundary, and (demo mode) staff accounts for each role and a
 * dozen cases whose sites are real Southwark listed-building outlines, plotted through the geometry intake.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { repoRoot } from '../config/index.ts';
import { findAuthorityByCode, findAuthorityCode, insertAuthority } from '../modules/authority/repo.ts';
import { setDetails, type AuthorityDetailsInput } from '../modules/authority/service.ts';
import { writeAudit, type Actor } from '../modules/audit/audit.ts';
import { anyUserExists, createUser, generatePassword, type User } from '../modules/users/service.ts';
import { createCase, setSite, type CaseService } from '../modules/cases/service.ts';
import { refreshPublicDates } from '../modules/register/service.ts';
import type { CreateCaseInput } from '../modules/cases/schema.ts';
import type { Role } from '../../shared/domain/cases.ts';

export const SOUTHWARK_DIR = path.join(repoRoot, 'layers', 'data', 'southwark');

export interface AuthorityDefinition {
  code: string;
  name: string;
  gssCode: string;
  boundaryFile: string;
  boundarySource: string;
  copyright: string;
  /** publicity the authority's Statement of Community Involvement adds to the statutory minimum */
  sciPolicy: Record<string, unknown>;
}

export const AUTHORITIES: Record<string, AuthorityDefinition> = {
  SWK: {
    code: 'SWK',
    name: 'London Borough of Southwark',
    gssCode: 'E09000028',
    // to the centre of the Thames, as the council's own layers are drawn (layers/data/southwark/SOURCES.md)
    boundaryFile: path.join(SOUTHWARK_DIR, 'boundary', 'southwark-borough-coverage.geojson'),
    boundarySource:
      'ONS LAD 2013 (generalised) ∪ ONS 2014 wards dissolved ∪ Southwark Council conservation areas and Article 4 areas; OGL v3 + OS OpenData',
    copyright:
      'Contains OS data © Crown copyright and database right 2026. Contains public sector information licensed under the Open Government Licence v3.0.',
    sciPolicy: {
      name: 'Statement of Community Involvement (demo policy)',
      lettersAlways: true,
      siteNoticeForMajors: true,
    },
  },
};

const SYSTEM: Actor = { id: null, username: 'system:seed' };

/** Inserts the authority when it is not there yet; returns its id. */
export async function ensureAuthority(db: Knex, code: string): Promise<number> {
  const existing = await findAuthorityByCode(db, code);
  if (existing) return existing.id;
  const def = AUTHORITIES[code];
  if (!def)
    throw new Error(`No boundary is bundled for authority ${code}; bundled: ${Object.keys(AUTHORITIES).join(', ')}.`);
  const fc = JSON.parse(fs.readFileSync(def.boundaryFile, 'utf8')) as { features: Array<{ geometry: unknown }> };
  return db.transaction(async (trx) => {
    const row = await insertAuthority(trx, {
      ...def,
      boundaryGeoJson: fc.features.map((f) => JSON.stringify(f.geometry)),
    });
    await writeAudit(trx, {
      actor: SYSTEM,
      action: 'authority.create',
      entityType: 'authority',
      entityId: row.id,
      after: { code: row.code, name: row.name },
    });
    return row.id;
  });
}

export const DEMO_USERS: Array<{ username: string; displayName: string; role: Role }> = [
  { username: 'admin', displayName: 'Alex Admin', role: 'admin' },
  { username: 'gis', displayName: 'Gita GIS', role: 'gis' },
  { username: 'support', displayName: 'Sam Support', role: 'support' },
  { username: 'officer', displayName: 'Olu Officer', role: 'officer' },
  { username: 'enforcement', displayName: 'Erin Enforcement', role: 'enforcement' },
];

interface DemoCase {
  street: string;
  nth: number;
  input: CreateCaseInput;
}

/** A dozen cases on real listed-building outlines (OGL v3, Southwark Council / Historic England). Two share
 *  a building and several are neighbours, so the planning-history search has something to find. */
const DEMO_CASES: DemoCase[] = [
  {
    street: 'Borough High Street',
    nth: 0,
    input: {
      kind: 'application',
      reference: '24/AP/0412',
      applicationType: 'lbc',
      description:
        'Listed building consent for a replacement timber shopfront and repair of the upper-floor sash windows.',
      status: 'decided',
      receivedDate: '2024-03-04',
      validDate: '2024-03-11',
      targetDate: '2024-05-06',
      decision: 'consent-granted',
      decisionDate: '2024-04-29',
      officer: 'officer',
    },
  },
  {
    street: 'Borough High Street',
    nth: 0,
    input: {
      kind: 'application',
      applicationType: 'full',
      description:
        'Change of use of the ground floor from shop (Class E(a)) to restaurant (Class E(b)) with a rear extract duct.',
      status: 'consultation',
      receivedDate: '2026-10-12',
      validDate: '2026-10-19',
      targetDate: '2026-12-14',
      officer: 'officer',
      parties: [
        { role: 'applicant', name: 'Priya Shah', address: '125 Borough High Street, London', postcode: 'SE1 1NP' },
        { role: 'agent', organisation: 'Bankside Planning LLP', email: 'agent@example.org' },
      ],
    },
  },
  {
    street: 'Borough High Street',
    nth: 1,
    input: {
      kind: 'enforcement',
      breachType: 'unauthorised-advertisement',
      description: 'Illuminated fascia sign installed without advertisement consent.',
      status: 'investigating',
      receivedDate: '2026-09-02',
      siteVisits: [{ visitedOn: '2026-09-16', officer: 'enforcement', notes: 'Sign in place; photographs taken.' }],
      officer: 'enforcement',
      parties: [{ role: 'complainant', name: 'A. Resident' }],
    },
  },
  {
    street: 'Borough High Street',
    nth: 2,
    input: {
      kind: 'application',
      applicationType: 'advertising',
      description: 'Display of one non-illuminated hanging sign.',
      status: 'valid',
      receivedDate: '2026-11-02',
      validDate: '2026-11-05',
      targetDate: '2026-12-31',
    },
  },
  {
    street: 'Borough Road',
    nth: 0,
    input: {
      kind: 'application',
      applicationType: 'full',
      description: 'Refurbishment of the former library and a single-storey rear extension for community use.',
      status: 'under-assessment',
      receivedDate: '2026-08-20',
      validDate: '2026-08-27',
      targetDate: '2026-11-26',
      extensionsOfTime: [{ agreedOn: '2026-11-10', newTargetDate: '2027-01-15', reason: 'Amended drawings requested' }],
      officer: 'officer',
    },
  },
  {
    // issue 14's worked example: a householder application by listed buildings in a conservation area
    street: 'Merrick Square',
    nth: 0,
    input: {
      kind: 'application',
      applicationType: 'hh',
      description: 'Rear dormer window in the rear roof slope.',
      status: 'valid',
      receivedDate: '2026-11-16',
      validDate: '2026-11-19',
      officer: 'officer',
      parties: [{ role: 'applicant', name: 'Jordan Ellis' }],
    },
  },
  {
    street: 'Camberwell Grove',
    nth: 0,
    input: {
      kind: 'application',
      applicationType: 'hh',
      description: 'Single-storey rear extension and replacement of rear windows.',
      status: 'received',
      receivedDate: '2026-11-16',
      parties: [{ role: 'applicant', name: 'Tom Okafor' }],
    },
  },
  {
    street: 'Dulwich Village',
    nth: 0,
    input: {
      kind: 'application',
      applicationType: 'consent-under-tpo',
      description: 'Crown reduction by 2 m of one London plane in the front garden.',
      status: 'valid',
      receivedDate: '2026-10-30',
      validDate: '2026-11-02',
      targetDate: '2026-12-28',
    },
  },
  {
    street: 'Bermondsey Street',
    nth: 0,
    input: {
      kind: 'application',
      applicationType: 'cho-commercial-to-dwh',
      description: 'Prior approval: change of use of first and second floors from offices to two flats.',
      status: 'decided',
      receivedDate: '2025-06-02',
      validDate: '2025-06-02',
      targetDate: '2025-07-28',
      decision: 'prior-approval-refused',
      decisionDate: '2025-07-25',
    },
  },
  {
    street: 'Tooley Street',
    nth: 0,
    input: {
      kind: 'application',
      applicationType: 'lbc',
      description: 'Internal alterations to form a meeting room on the second floor.',
      status: 'withdrawn',
      receivedDate: '2025-01-14',
      decision: 'withdrawn',
      decisionDate: '2025-02-20',
    },
  },
  {
    street: 'Old Kent Road',
    nth: 0,
    input: {
      kind: 'application',
      applicationType: 'waste-dev',
      description: 'Use of the rear yard as a waste transfer station for construction waste (county matter: waste).',
      status: 'consultation',
      receivedDate: '2026-10-01',
      validDate: '2026-10-08',
      targetDate: '2027-01-07',
      officer: 'officer',
    },
  },
  {
    street: 'Peckham Road',
    nth: 0,
    input: {
      kind: 'enforcement',
      breachType: 'empty-property',
      description: 'Building empty for over two years; windows boarded and gutters failing.',
      status: 'notice-served',
      receivedDate: '2026-02-11',
      noticesServed: [
        { type: 'section-215-notice', servedOn: '2026-05-04', effectiveOn: '2026-06-04', complianceDate: '2026-09-04' },
      ],
      officer: 'enforcement',
    },
  },
  {
    street: 'Camberwell New Road',
    nth: 0,
    input: {
      kind: 'enforcement',
      breachType: 'derelict-property',
      description: 'Derelict shopfront and overgrown forecourt affecting the amenity of the area.',
      status: 'received',
      receivedDate: '2026-11-18',
      parties: [{ role: 'complainant', name: 'Camberwell Society' }],
    },
  },
];

interface ListedFeature {
  properties: { STREET: string | null; STREET_NUM: string | null; NAME: string | null };
  geometry: unknown;
}

function demoSites(): Map<string, ListedFeature[]> {
  const file = path.join(SOUTHWARK_DIR, 'geojson', 'listed-buildings-grade-ii.geojson');
  const fc = JSON.parse(fs.readFileSync(file, 'utf8')) as { features: ListedFeature[] };
  const byStreet = new Map<string, ListedFeature[]>();
  for (const f of fc.features) {
    if (!f.properties.STREET || !f.geometry) continue;
    const list = byStreet.get(f.properties.STREET) ?? [];
    list.push(f);
    byStreet.set(f.properties.STREET, list);
  }
  return byStreet;
}

export interface DemoSeedResult {
  users: Array<{ username: string; role: Role; password: string }>;
  cases: number;
}

/** Demo users and cases, once: does nothing when any user exists. */
/**
 * Southwark's planning contact details as the council publishes them (postal address, phone, email, website; no
 * named people, no logo: the council's own is not Redline's to ship), with the comment and plans links on this
 * Redline's public register. The OS licence number is left for the council to set (authority:details).
 */
export function demoAuthorityDetails(publicBaseUrl: string): AuthorityDetailsInput {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return {
    addressLines: ['Planning division', 'Southwark Council', 'PO Box 64529', 'London'],
    postcode: 'SE1P 5LX',
    phone: '020 7525 5403',
    email: 'planning.applications@southwark.gov.uk',
    website: 'https://www.southwark.gov.uk',
    commentUrlTemplate: `${base}/register/applications/{slug}/comment`,
    plansUrlTemplate: `${base}/register/applications/{slug}`,
    copyrightOwner: 'London Borough of Southwark',
  };
}

export async function seedDemo(
  svc: Omit<CaseService, 'db'> & { db: Knex },
  opts: { publicBaseUrl?: string } = {},
): Promise<DemoSeedResult | null> {
  const db = svc.db;
  if (await anyUserExists(db)) return null;
  const code = await findAuthorityCode(db, svc.authorityId);
  if (code && opts.publicBaseUrl) await setDetails(db, SYSTEM, code, demoAuthorityDetails(opts.publicBaseUrl), null);
  const users: DemoSeedResult['users'] = [];
  const byName = new Map<string, User>();
  for (const u of DEMO_USERS) {
    const password = generatePassword();
    byName.set(u.username, await createUser(db, SYSTEM, { ...u, password }));
    users.push({ username: u.username, role: u.role, password });
  }
  const support = byName.get('support')!;
  const sites = demoSites();
  let n = 0;
  for (const d of DEMO_CASES) {
    const feature = sites.get(d.street)?.[d.nth];
    if (!feature) throw new Error(`Demo data: no listed building #${d.nth} on ${d.street}`);
    const p = feature.properties;
    const address = [p.NAME, [p.STREET_NUM, p.STREET].filter(Boolean).join(' '), 'London'].filter(Boolean).join(', ');
    const writer = d.input.kind === 'enforcement' ? byName.get('enforcement')! : support;
    const created = await createCase(svc, writer, { ...d.input, siteAddress: address });
    await setSite(
      svc,
      writer,
      created.id,
      {
        geometry: feature.geometry,
        source: 'imported',
        note: 'Demo: outline of a listed building (Southwark Council, OGL v3)',
      },
      created.version,
    );
    // applications are published on the register (the default); its consultation dates come from the publicity rules
    if (d.input.kind === 'application') await refreshPublicDates(db, svc.authorityId, created.id);
    n++;
  }
  return { users, cases: n };
}

/** Writes the demo passwords to <dataDir>/demo-users.txt (mode 600) and returns the text. */
export function writeDemoUsers(dataDir: string, users: DemoSeedResult['users']): string {
  const text =
    '# Redline demo accounts (created on first start). Change or disable them before real use.\n' +
    users.map((u) => `${u.username.padEnd(12)} ${u.role.padEnd(12)} ${u.password}`).join('\n') +
    '\n';
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'demo-users.txt'), text, { mode: 0o600 });
  return text;
}
