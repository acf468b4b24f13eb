/**
 * Demo address points and property outlines for Southwark, the same on every run, each labelled with its source:
 *  - real: OpenStreetMap building outlines and address points in three small patches (ODbL, layers/data/osm);
 *  - real: the council's listed building outlines (OGL), addressed from their street numbers and names;
 *  - generated ("demo (generated)"): around each demo case's site, a ring of plots (two of them blocks of flats
 *    with a parent UPRN) so adjoining, radius and same-building selection all have something to find.
 * Real UPRNs are not open for these buildings, so every demo UPRN is in the 9 000 000 000 00 range: no real one is.
 * The files are written to the data folder and loaded through the same loaders as a council's own data.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { repoRoot } from '../config/index.ts';
import { loadAddresses, loadProperties, type ReferenceLoadReport } from '../modules/addresses/loader.ts';
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
  postcode: string;
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

export async function buildDemoAddressFiles(db: Knex, dir: string): Promise<{ properties: string; addresses: string }> {
  let next = 1;
  const uprn = () => DEMO_UPRN_BASE + next++;
  const outlines: Outline[] = [];
  const points: AddressPoint[] = [];

  // 1. listed building outlines (real buildings, OGL): one address per street number, placed inside the outline
  const listed = (
    await db.raw(
      `SELECT f.source_ref, f.name, f.properties->>'address-text' AS address, f.properties->>'STREET_NUM' AS nums, f.properties->>'STREET' AS street,
            ST_AsGeoJSON(f.geom, 3)::json AS geometry, ST_X(ST_PointOnSurface(f.geom)) AS x, ST_Y(ST_PointOnSurface(f.geom)) AS y
     FROM constraint_feature f JOIN layer l ON l.id = f.layer_id AND l.data_version = f.data_version
     WHERE l.id = 'listed-building-outline' AND ST_Dimension(f.geom) = 2 AND f.properties->>'STREET' IS NOT NULL
     ORDER BY f.source_ref, f.id`,
    )
  ).rows as Array<{
    source_ref: string;
    name: string | null;
    nums: string | null;
    street: string;
    geometry: unknown;
    x: number;
    y: number;
  }>;
  for (const b of listed) {
    const nums = splitStreetNumbers(b.nums);
    const own: number[] = [];
    (nums.length ? nums : [null]).forEach((n, i) => {
      const u = uprn();
      own.push(u);
      points.push({
        uprn: u,
        parent: null,
        classification: 'demo',
        source: 'Southwark listed building outlines (OGL), demo UPRNs',
        lines: [b.name && !n ? b.name : null, n ? `${n} ${b.street}` : b.street, 'London'].filter((l): l is string =>
          Boolean(l),
        ),
        postcode: 'SE1 0AA',
        x: b.x + i * 0.5,
        y: b.y,
      });
    });
    outlines.push({
      ref: `listed:${b.source_ref}`,
      name: b.name,
      source: 'Southwark listed building outlines (OGL)',
      uprns: own,
      geometry: b.geometry,
    });
  }

  // 2. OpenStreetMap buildings and address points (ODbL), transformed to EPSG:27700 by PostGIS
  const osmBuildings = JSON.parse(fs.readFileSync(path.join(OSM_DIR, 'osm-buildings-southwark.geojson'), 'utf8')) as {
    features: Array<{ properties: Record<string, string | null>; geometry: unknown }>;
  };
  for (const f of osmBuildings.features) {
    const { rows } = await db.raw(
      `SELECT ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), 4326), 27700), 3)::json AS g, ST_X(p) AS x, ST_Y(p) AS y
       FROM (SELECT ST_Transform(ST_PointOnSurface(ST_SetSRID(ST_GeomFromGeoJSON(?), 4326)), 27700) AS p) s`,
      [JSON.stringify(f.geometry), JSON.stringify(f.geometry)],
    );
    const p = f.properties;
    const own: number[] = [];
    if (p.addr_street && (p.addr_housenumber || p.addr_housename)) {
      const u = uprn();
      own.push(u);
      points.push({
        uprn: u,
        parent: null,
        classification: 'demo',
        source: 'OpenStreetMap (ODbL), demo UPRNs',
        lines: [p.addr_housename, `${p.addr_housenumber ?? ''} ${p.addr_street}`.trim(), 'London'].filter(
          (l): l is string => Boolean(l),
        ),
        postcode: p.addr_postcode ?? 'SE1 0AA',
        x: rows[0].x,
        y: rows[0].y,
      });
    }
    outlines.push({
      ref: `osm:${p.osm_way_id ?? p.osm_id}`,
      name: p.name ?? null,
      source: 'OpenStreetMap (ODbL)',
      uprns: own,
      geometry: rows[0].g,
    });
  }
  const osmPoints = JSON.parse(fs.readFileSync(path.join(OSM_DIR, 'osm-address-points-southwark.geojson'), 'utf8')) as {
    features: Array<{ properties: Record<string, string | null>; geometry: { coordinates: [number, number] } }>;
  };
  for (const f of osmPoints.features) {
    const p = f.properties;
    if (!p.addr_street && !p.name) continue;
    const { rows } = await db.raw(
      `SELECT ST_X(g) AS x, ST_Y(g) AS y FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 4326), 27700) AS g) s`,
      f.geometry.coordinates,
    );
    points.push({
      uprn: uprn(),
      parent: null,
      classification: 'demo',
      source: 'OpenStreetMap (ODbL), demo UPRNs',
      lines: [p.name, `${p.addr_housenumber ?? ''} ${p.addr_street ?? ''}`.trim() || null, 'London'].filter(
        (l): l is string => Boolean(l),
      ),
      postcode: p.addr_postcode ?? 'SE1 0AA',
      x: rows[0].x,
      y: rows[0].y,
    });
  }

  // 3. generated plots around each demo case's site: eight plots 0.5 m beyond the site's bounding box
  //    (adjoining within the 1 m tolerance), two of them blocks of six flats
  const sites = (
    await db.raw(
      `SELECT c.reference, ST_XMin(s.geom) x0, ST_YMin(s.geom) y0, ST_XMax(s.geom) x1, ST_YMax(s.geom) y1
     FROM case_site s JOIN case_record c ON c.id = s.case_id WHERE s.superseded_at IS NULL ORDER BY c.id`,
    )
  ).rows as Array<{ reference: string; x0: number; y0: number; x1: number; y1: number }>;
  const seen = new Set<string>();
  let street = 0;
  for (const s of sites) {
    const key = `${Math.round(s.x0)}:${Math.round(s.y0)}`;
    if (seen.has(key)) continue; // two cases on one building share its plots
    seen.add(key);
    street++;
    const w = 12;
    const g = 0.5;
    const plots: Array<[number, number, number, number]> = [
      [s.x0 - g - w, s.y0, s.x0 - g, s.y1], // west
      [s.x1 + g, s.y0, s.x1 + g + w, s.y1], // east
      [s.x0, s.y1 + g, s.x1, s.y1 + g + w], // north
      [s.x0, s.y0 - g - w, s.x1, s.y0 - g], // south
      [s.x0 - g - w, s.y1 + g, s.x0 - g, s.y1 + g + w], // north-west
      [s.x1 + g, s.y1 + g, s.x1 + g + w, s.y1 + g + w], // north-east
      [s.x0 - g - w, s.y0 - g - w, s.x0 - g, s.y0 - g], // south-west
      [s.x1 + g, s.y0 - g - w, s.x1 + g + w, s.y0 - g], // south-east
    ];
    plots.forEach(([a, b, c, d], i) => {
      const name = `Demo House ${i + 1}`;
      const road = `Demo Street ${street}`;
      const cx = (a + c) / 2;
      const cy = (b + d) / 2;
      const own: number[] = [];
      const parent = uprn();
      own.push(parent);
      const flats = i === 1 || i === 2 ? 6 : 0;
      points.push({
        uprn: parent,
        parent: null,
        classification: flats ? 'PP' : 'demo',
        source: 'demo (generated)',
        lines: [name, `${i + 1} ${road}`, 'London'],
        postcode: 'SE1 9ZZ',
        x: cx,
        y: cy,
      });
      for (let k = 1; k <= flats; k++) {
        const u = uprn();
        own.push(u);
        points.push({
          uprn: u,
          parent,
          classification: 'demo',
          source: 'demo (generated)',
          lines: [`Flat ${k}`, name, `${i + 1} ${road}`, 'London'],
          postcode: 'SE1 9ZZ',
          x: cx,
          y: cy,
        });
      }
      outlines.push({
        ref: `demo:${s.reference}:${i + 1}`,
        name: `${name} (generated)`,
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
    });
  }

  fs.mkdirSync(dir, { recursive: true });
  const properties = path.join(dir, 'demo-properties.geojson');
  fs.writeFileSync(
    properties,
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
  const addresses = path.join(dir, 'demo-addresses.csv');
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
      p.postcode,
      p.classification,
      p.x.toFixed(3),
      p.y.toFixed(3),
      p.source,
    ]
      .map(csvCell)
      .join(','),
  );
  fs.writeFileSync(addresses, [header.join(','), ...rows].join('\n') + '\n');
  return { properties, addresses };
}

/** Loads the demo outlines and addresses when none are loaded yet. */
export async function loadDemoAddresses(
  db: Knex,
  dataDir: string,
  actor: Actor = { id: null, username: 'system:seed' },
): Promise<ReferenceLoadReport[]> {
  const loaded = await db('reference_dataset')
    .whereIn('id', ['address', 'property'])
    .where('data_version', '>', 0)
    .first('id');
  if (loaded) return [];
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
