/**
 * Demo address points and property outlines for Southwark, the same on every run, each labelled with its source:
 *  - real: OpenStreetMap building outlines and address points in three small patches (ODbL, layers/data/osm);
 *  - real: the council's listed building outlines (OGL), addressed from their street numbers and names;
 *  - generated ("demo (generated)"): around each demo case's site, a ring of plots (two of them blocks of flats
 *    with a parent UPRN) so adjoining, radius and same-building selection all have something to find, addressed
 *    on the nearest real street with an unused house number near the real ones and the nearest real postcode.
 * Addresses without a postcode take the nearest real one (OSM addr:postcode) on their street, else nearby.
 * Real UPRNs are not open for these buildings, so every demo UPRN is in the 9 000 000 000 00 range: no real one is.
 * The files are written to the data folder and loaded through the same loaders as a council's own data.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { repoRoot } from '../config/index.ts';
import { loadAddresses, loadProperties, type ReferenceLoadReport } from '../modules/addresses/loader.ts';
import * as addressRepo from '../modules/addresses/repo.ts';
import type { CaseSiteBox } from '../modules/addresses/repo.ts';
import type { Actor } from '../modules/audit/audit.ts';

const OSM_DIR = path.join(repoRoot, 'layers', 'data', 'osm');
const DEMO_UPRN_BASE = 900_000_000_000;

interface Outline {
  ref: string;
  name: string | null;
  source: string;
  uprns: number[];
  geometry: unknown;
}
interface AddressPoint {
  uprn: number;
  parent: number | null;
  lines: string[];
  /** null until fillPostcodes: a real postcode from the nearest address on its street that has one */
  postcode: string | null;
  /** the street it is on (for postcodes and the generated plots' street names) */
  street: string | null;
  number: string | null;
  classification: string;
  x: number;
  y: number;
  source: string;
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Splits "123, 125 and 127" into ["123", "125", "127"]; leaves "12-14" and "Flat 3" alone. */
export function splitStreetNumbers(s: string | null): string[] {
  if (!s) return [];
  return s
    .split(/,|\band\b|&/)
    .map((p) => p.trim())
    .filter(Boolean);
}

/** What the demo files are built up from, in order: every UPRN handed out once, from DEMO_UPRN_BASE + 1 up. */
interface DemoBuild {
  uprn: () => number;
  outlines: Outline[];
  points: AddressPoint[];
}

/** A real postcode (from OSM's addr:postcode) at a place, and the street it was given on. */
interface KnownPostcode {
  postcode: string;
  street: string | null;
  x: number;
  y: number;
}

const sameStreet = (a: string | null, b: string | null) =>
  Boolean(a && b && a.toLowerCase().replace(/[^a-z]/g, '') === b.toLowerCase().replace(/[^a-z]/g, ''));
const dist2 = (a: { x: number; y: number }, b: { x: number; y: number }) => (a.x - b.x) ** 2 + (a.y - b.y) ** 2;

/** A full postcode written in a text ("Old Kent Road, London, SE15 1JR" -> "SE15 1JR"), tidied; or null. */
export function postcodeIn(text: string | null | undefined): string | null {
  const m = text ? /\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b/.exec(text.toUpperCase()) : null;
  return m ? `${m[1]} ${m[2]}` : null;
}

/** The nearest real postcode: on the same street within 400 m when there is one, else the nearest anywhere. */
export function nearestPostcode(
  known: KnownPostcode[],
  at: { x: number; y: number },
  street: string | null,
): string | null {
  let best: KnownPostcode | null = null;
  for (const k of known) {
    if (sameStreet(k.street, street) && dist2(k, at) <= 400 ** 2 && (!best || dist2(k, at) < dist2(best, at))) best = k;
  }
  if (best) return best.postcode;
  for (const k of known) if (!best || dist2(k, at) < dist2(best, at)) best = k;
  return best?.postcode ?? null;
}

/** Every real address point without a postcode gets the nearest real one (see nearestPostcode). */
function fillPostcodes(build: DemoBuild): KnownPostcode[] {
  const known: KnownPostcode[] = build.points
    .filter((p) => p.postcode)
    .map((p) => ({ postcode: p.postcode!, street: p.street, x: p.x, y: p.y }));
  for (const p of build.points) if (!p.postcode) p.postcode = nearestPostcode(known, p, p.street);
  return known;
}

const streetLines = (...lines: Array<string | null | undefined>) => lines.filter((l): l is string => Boolean(l));

export async function buildDemoAddressFiles(db: Knex, dir: string): Promise<{ properties: string; addresses: string }> {
  let next = 1;
  const build: DemoBuild = { uprn: () => DEMO_UPRN_BASE + next++, outlines: [], points: [] };
  await addListedBuildings(db, build);
  await addOsmBuildings(db, build);
  await addOsmAddressPoints(db, build);
  const known = fillPostcodes(build);
  await addGeneratedPlots(db, build, known);
  fs.mkdirSync(dir, { recursive: true });
  const properties = path.join(dir, 'demo-properties.geojson');
  writePropertiesFile(properties, build.outlines);
  const addresses = path.join(dir, 'demo-addresses.csv');
  writeAddressesFile(addresses, build.points);
  return { properties, addresses };
}

/** 1. listed building outlines (real buildings, OGL): one address per street number, placed inside the outline. */
async function addListedBuildings(db: Knex, build: DemoBuild): Promise<void> {
  for (const b of await addressRepo.demoListedBuildings(db)) {
    const nums = splitStreetNumbers(b.nums);
    const own: number[] = [];
    (nums.length ? nums : [null]).forEach((n, i) => {
      const u = build.uprn();
      own.push(u);
      build.points.push({
        uprn: u,
        parent: null,
        classification: 'demo',
        source: 'Southwark listed building outlines (OGL), demo UPRNs',
        lines: streetLines(b.name && !n ? b.name : null, n ? `${n} ${b.street}` : b.street, 'London'),
        postcode: postcodeIn(b.address) ?? postcodeIn(b.street) ?? postcodeIn(b.name),
        street: b.street,
        number: n,
        x: b.x + i * 0.5,
        y: b.y,
      });
    });
    build.outlines.push({
      ref: `listed:${b.source_ref}`,
      name: b.name,
      source: 'Southwark listed building outlines (OGL)',
      uprns: own,
      geometry: b.geometry,
    });
  }
}

/** 2a. OpenStreetMap buildings (ODbL), transformed to EPSG:27700 by PostGIS; an address when OSM has one. */
async function addOsmBuildings(db: Knex, build: DemoBuild): Promise<void> {
  const osmBuildings = JSON.parse(fs.readFileSync(path.join(OSM_DIR, 'osm-buildings-southwark.geojson'), 'utf8')) as {
    features: Array<{ properties: Record<string, string | null>; geometry: unknown }>;
  };
  for (const f of osmBuildings.features) {
    const b = await addressRepo.demoOsmBuilding(db, f.geometry);
    const p = f.properties;
    const own: number[] = [];
    if (p.addr_street && (p.addr_housenumber || p.addr_housename)) {
      const u = build.uprn();
      own.push(u);
      build.points.push({
        uprn: u,
        parent: null,
        classification: 'demo',
        source: 'OpenStreetMap (ODbL), demo UPRNs',
        lines: streetLines(p.addr_housename, `${p.addr_housenumber ?? ''} ${p.addr_street}`.trim(), 'London'),
        postcode: p.addr_postcode ?? null,
        street: p.addr_street,
        number: p.addr_housenumber ?? null,
        x: b.x,
        y: b.y,
      });
    }
    build.outlines.push({
      ref: `osm:${p.osm_way_id ?? p.osm_id}`,
      name: p.name ?? null,
      source: 'OpenStreetMap (ODbL)',
      uprns: own,
      geometry: b.g,
    });
  }
}

/** 2b. OpenStreetMap address points (ODbL) with a street or a name, transformed to EPSG:27700 by PostGIS. */
async function addOsmAddressPoints(db: Knex, build: DemoBuild): Promise<void> {
  const osmPoints = JSON.parse(fs.readFileSync(path.join(OSM_DIR, 'osm-address-points-southwark.geojson'), 'utf8')) as {
    features: Array<{ properties: Record<string, string | null>; geometry: { coordinates: [number, number] } }>;
  };
  for (const f of osmPoints.features) {
    const p = f.properties;
    if (!p.addr_street && !p.name) continue;
    const at = await addressRepo.demoOsmPoint(db, f.geometry.coordinates);
    build.points.push({
      uprn: build.uprn(),
      parent: null,
      classification: 'demo',
      source: 'OpenStreetMap (ODbL), demo UPRNs',
      lines: streetLines(p.name, `${p.addr_housenumber ?? ''} ${p.addr_street ?? ''}`.trim() || null, 'London'),
      postcode: p.addr_postcode ?? null,
      street: p.addr_street ?? null,
      number: p.addr_housenumber ?? null,
      x: at.x,
      y: at.y,
    });
  }
}

/** 3. generated plots around each demo case's site: eight plots 0.5 m beyond the site's bounding box (adjoining
 *  within the 1 m tolerance), two of them blocks of six flats. Each is addressed on the nearest real street (from
 *  the OSM and listed building addresses), with a house number near the real ones there that no real address
 *  uses, and the nearest real postcode (so its sector is the real one): never a placeholder. */
async function addGeneratedPlots(db: Knex, build: DemoBuild, known: KnownPostcode[]): Promise<void> {
  const seen = new Set<string>();
  const real = build.points.filter((p) => p.street && p.number);
  const used = new Set(real.flatMap((p) => splitStreetNumbers(p.number).map((n) => numberKey(p.street, n))));
  for (const s of await addressRepo.demoCaseSites(db)) {
    const key = `${Math.round(s.x0)}:${Math.round(s.y0)}`;
    if (seen.has(key)) continue; // two cases on one building share its plots
    seen.add(key);
    plotsAround(s).forEach((box, i) => {
      const centre = { x: (box[0] + box[2]) / 2, y: (box[1] + box[3]) / 2 };
      const near = nearestStreetAddress(real, centre);
      const street = near?.street ?? 'Borough High Street';
      const number = freeNumber(used, street, firstNumber(near?.number ?? null) ?? 1);
      const postcode = nearestPostcode(known, centre, street);
      addPlot(build, s.reference, { street, number, postcode }, i, box);
    });
  }
}

const numberKey = (street: string | null, n: string) => `${(street ?? '').toLowerCase()}|${n.toLowerCase()}`;

/** The first whole number in a house number ("223-227" -> 223, "6a" -> 6). */
export function firstNumber(n: string | null): number | null {
  const m = n ? /\d+/.exec(n) : null;
  return m ? Number(m[0]) : null;
}

function nearestStreetAddress(real: AddressPoint[], at: { x: number; y: number }): AddressPoint | null {
  let best: AddressPoint | null = null;
  for (const p of real) if (firstNumber(p.number) !== null && (!best || dist2(p, at) < dist2(best, at))) best = p;
  return best;
}

/** A number on the street near `from`, on the same side (same parity), that no address uses yet; marks it used. */
export function freeNumber(used: Set<string>, street: string, from: number): string {
  for (let step = 1; step < 1000; step++) {
    for (const n of [from + 2 * step, from - 2 * step]) {
      if (n > 0 && !used.has(numberKey(street, String(n)))) {
        used.add(numberKey(street, String(n)));
        return String(n);
      }
    }
  }
  return `${from}a`;
}

type Box = [number, number, number, number];

/** Eight 12 m plots 0.5 m beyond the site's bounding box: W, E, N, S, NW, NE, SW, SE. */
function plotsAround(s: CaseSiteBox): Box[] {
  const w = 12;
  const g = 0.5;
  return [
    [s.x0 - g - w, s.y0, s.x0 - g, s.y1], // west
    [s.x1 + g, s.y0, s.x1 + g + w, s.y1], // east
    [s.x0, s.y1 + g, s.x1, s.y1 + g + w], // north
    [s.x0, s.y0 - g - w, s.x1, s.y0 - g], // south
    [s.x0 - g - w, s.y1 + g, s.x0 - g, s.y1 + g + w], // north-west
    [s.x1 + g, s.y1 + g, s.x1 + g + w, s.y1 + g + w], // north-east
    [s.x0 - g - w, s.y0 - g - w, s.x0 - g, s.y0 - g], // south-west
    [s.x1 + g, s.y0 - g - w, s.x1 + g + w, s.y0 - g], // south-east
  ];
}

/** Plot i (0-based) of a case: a house, or (plots 1 and 2) a block of six flats under a parent UPRN. */
function addPlot(
  build: DemoBuild,
  caseReference: string,
  at: { street: string; number: string; postcode: string | null },
  i: number,
  [a, b, c, d]: Box,
): void {
  const line = `${at.number} ${at.street}`;
  const cx = (a + c) / 2;
  const cy = (b + d) / 2;
  const own: number[] = [];
  const parent = build.uprn();
  own.push(parent);
  const flats = i === 1 || i === 2 ? 6 : 0;
  const point = {
    parent: null,
    source: 'demo (generated)',
    postcode: at.postcode,
    street: at.street,
    number: at.number,
    x: cx,
    y: cy,
  };
  build.points.push({ ...point, uprn: parent, classification: flats ? 'PP' : 'demo', lines: [line, 'London'] });
  for (let k = 1; k <= flats; k++) {
    const u = build.uprn();
    own.push(u);
    build.points.push({ ...point, uprn: u, parent, classification: 'demo', lines: [`Flat ${k}`, line, 'London'] });
  }
  build.outlines.push({
    ref: `demo:${caseReference}:${i + 1}`,
    name: `${line} (generated)`,
    source: 'demo (generated)',
    uprns: own,
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [a, b],
          [c, b],
          [c, d],
          [a, d],
          [a, b],
        ],
      ],
    },
  });
}

/** The outlines as GeoJSON in EPSG:27700 (its CRS named, as QGIS writes it). */
function writePropertiesFile(file: string, outlines: Outline[]): void {
  fs.writeFileSync(
    file,
    JSON.stringify({
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
      features: outlines.map((o) => ({
        type: 'Feature',
        properties: { ref: o.ref, name: o.name, source: o.source, uprns: o.uprns.join(';') },
        geometry: o.geometry,
      })),
    }),
  );
}

/** The address points as an AddressBase-style CSV (coordinates in EPSG:27700, to the millimetre). */
function writeAddressesFile(file: string, points: AddressPoint[]): void {
  const header = [
    'UPRN',
    'PARENT_UPRN',
    'ADDRESS_LINE_1',
    'ADDRESS_LINE_2',
    'ADDRESS_LINE_3',
    'ADDRESS_LINE_4',
    'POSTCODE',
    'CLASSIFICATION',
    'X_COORDINATE',
    'Y_COORDINATE',
    'SOURCE',
  ];
  const rows = points.map((p) =>
    [
      p.uprn,
      p.parent ?? '',
      p.lines[0] ?? '',
      p.lines[1] ?? '',
      p.lines[2] ?? '',
      p.lines[3] ?? '',
      p.postcode ?? '',
      p.classification,
      p.x.toFixed(3),
      p.y.toFixed(3),
      p.source,
    ]
      .map(csvCell)
      .join(','),
  );
  fs.writeFileSync(file, [header.join(','), ...rows].join('\n') + '\n');
}

/** Loads the demo outlines and addresses when none are loaded yet. */
export async function loadDemoAddresses(
  db: Knex,
  dataDir: string,
  actor: Actor = { id: null, username: 'system:seed' },
): Promise<ReferenceLoadReport[]> {
  if (await addressRepo.anyDatasetLoaded(db)) return [];
  const files = await buildDemoAddressFiles(db, path.join(dataDir, 'demo-addresses'));
  return [
    await loadProperties(db, {
      file: files.properties,
      reference: 'ref',
      name: 'name',
      uprns: 'uprns',
      source: 'demo: OSM (ODbL), Southwark listed buildings (OGL), generated',
      actor,
    }),
    await loadAddresses(db, {
      file: files.addresses,
      source: 'demo: OSM (ODbL), Southwark listed buildings (OGL), generated',
      actor,
    }),
  ];
}
