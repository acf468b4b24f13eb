/**
 * The demo addresses (server/seed/addresses.ts) are credible: real street names and house numbers from the OSM and
 * listed building data, real postcodes (from OSM addr:postcode) for every address, generated plots on the nearest
 * real street with unused numbers, and every UPRN in the demo range. Also the helpers, on their own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config/index.ts';
import { intakeOptions } from '../../server/http/context.ts';
import { gdalInstalled } from '../../server/modules/layers/loader.ts';
import { buildDemoAddressFiles, firstNumber, freeNumber, nearestPostcode } from '../../server/seed/addresses.ts';
import { loadDemoLayers } from '../../server/seed/layers.ts';
import { seedDemo } from '../../server/seed/seed.ts';
import { freshDatabase, type TestDb } from '../helpers/db.ts';

describe('demo address helpers', () => {
  const known = [
    { postcode: 'SE1 4LA', street: 'Tabard Street', x: 0, y: 0 },
    { postcode: 'SE1 1JD', street: 'Borough High Street', x: 100, y: 0 },
  ];
  it('nearestPostcode prefers the same street within 400 m, else the nearest', () => {
    expect(nearestPostcode(known, { x: 90, y: 0 }, 'Tabard Street')).toBe('SE1 4LA');
    expect(nearestPostcode(known, { x: 90, y: 0 }, "St George's Road")).toBe('SE1 1JD');
    expect(nearestPostcode(known, { x: 500, y: 0 }, 'Tabard Street')).toBe('SE1 1JD');
    expect(nearestPostcode([], { x: 0, y: 0 }, null)).toBeNull();
  });
  it('freeNumber keeps the side of the street and skips used numbers', () => {
    const used = new Set(['tabard street|27', 'tabard street|23']);
    expect(freeNumber(used, 'Tabard Street', 25)).toBe('29');
    expect(freeNumber(used, 'Tabard Street', 25)).toBe('21');
    expect(firstNumber('223-227')).toBe(223);
    expect(firstNumber('6a')).toBe(6);
    expect(firstNumber(null)).toBeNull();
  });
});

describe('the demo address files', () => {
  let tdb: TestDb;
  let dir: string;
  let rows: Array<Record<string, string>>;
  beforeAll(async () => {
    // never skipped: the demo files are built with GDAL, so without it this fails and says what to install
    if (!gdalInstalled())
      throw new Error("GDAL's ogr2ogr is missing: apt-get install gdal-bin (or bash scripts/install-system-deps.sh)");
    tdb = await freshDatabase();
    const config = loadConfig({ LOG_LEVEL: 'silent', REDLINE_DATA_DIR: '/nonexistent' });
    await loadDemoLayers(tdb.db);
    await seedDemo({ db: tdb.db, authorityId: tdb.authorityId, intake: intakeOptions(config, tdb.authorityId) });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-addresses-'));
    const files = await buildDemoAddressFiles(tdb.db, dir);
    rows = parseCsv(fs.readFileSync(files.addresses), { columns: true }) as Array<Record<string, string>>;
  }, 240_000);
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await tdb.close();
  });

  it('every address has a real postcode, never a placeholder', () => {
    const osmPostcodes = new Set(
      ['osm-address-points-southwark.geojson', 'osm-buildings-southwark.geojson'].flatMap((f) =>
        (
          JSON.parse(fs.readFileSync(path.join('layers', 'data', 'osm', f), 'utf8')) as {
            features: Array<{ properties: { addr_postcode?: string | null } }>;
          }
        ).features
          .map((x) => x.properties.addr_postcode)
          .filter((p): p is string => Boolean(p)),
      ),
    );
    // listed buildings whose listing writes a postcode keep it ("Old Kent Road, London, SE15 1JR")
    const listed = new Set(rows.filter((r) => r.SOURCE!.startsWith('Southwark listed')).map((r) => r.POSTCODE!));
    expect(rows.length).toBeGreaterThan(100);
    for (const r of rows) {
      expect(r.POSTCODE, r.UPRN).toMatch(/^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$/);
      expect(osmPostcodes.has(r.POSTCODE!) || listed.has(r.POSTCODE!), `${r.UPRN} ${r.POSTCODE}`).toBe(true);
      expect(r.POSTCODE).not.toMatch(/ZZ$|SE1 0AA/);
    }
    expect(listed.has('SE15 1JR')).toBe(true);
  });

  it('generated plots are on real streets with house numbers, and no two addresses share a number on a street', () => {
    const text = rows.map((r) => [r.ADDRESS_LINE_1, r.ADDRESS_LINE_2].join(' ')).join('\n');
    expect(text).not.toMatch(/Demo (House|Street)/);
    const generated = rows.filter((r) => r.SOURCE === 'demo (generated)');
    expect(generated.length).toBeGreaterThan(0);
    const realStreets = new Set(
      rows
        .filter((r) => r.SOURCE !== 'demo (generated)')
        .flatMap((r) => [r.ADDRESS_LINE_1, r.ADDRESS_LINE_2])
        .map((l) => (l ?? '').replace(/^[0-9][0-9a-z-]*\s+/i, '')),
    );
    const houses = new Map<string, string>();
    for (const r of generated) {
      const line = r.PARENT_UPRN ? r.ADDRESS_LINE_2! : r.ADDRESS_LINE_1!;
      const m = /^(\d+) (.+)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(realStreets.has(m![2]!), line).toBe(true);
      if (!r.PARENT_UPRN) {
        expect(houses.has(line), `${line} twice`).toBe(false);
        houses.set(line, r.UPRN!);
      }
    }
  });

  it('UPRNs stay in the demo range and are unique', () => {
    const uprns = rows.map((r) => Number(r.UPRN));
    expect(new Set(uprns).size).toBe(uprns.length);
    for (const u of uprns) expect(u).toBeGreaterThan(900_000_000_000);
  });
});
