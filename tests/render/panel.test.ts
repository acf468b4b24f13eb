/**
 * The panel under the map (issue 14 item 4): the copyright statement built once from the sources drawn, dated with
 * the document's year, with the OS licence number; the key never cut and never overprinting the copyright, shown on
 * the layout's boxes with 40 layers, and by a golden image (tests/render/_key-40-layers/expected.png, UPDATE=1
 * rewrites it). Pure: scenes are built from hand-made inputs, nothing reads the database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { composeSvg, sheetPanel } from '../../server/render/compose.ts';
import { copyrightStatement, sentencesOf } from '../../server/render/copyright.ts';
import { sheetFor } from '../../server/render/layout.ts';
import { type Rect } from '../../server/render/panel.ts';
import { rasterise } from '../../server/render/raster.ts';
import { planFrame, sceneOf } from '../../server/render/scene.ts';
import type { MapContent, MapLayer, MapOptions, SceneInput } from '../../server/render/types.ts';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const OGL = 'Contains public sector information licensed under the Open Government Licence v3.0.';
const STATEMENT = `Contains OS data © Crown copyright and database right 2026. ${OGL}`;

describe('copyright statement', () => {
  it('dates the Crown copyright with the document year and states each sentence once', () => {
    const s = copyrightStatement({
      year: 2027,
      authorityStatement: STATEMENT,
      osLicenceNumber: 'AC0000012345',
      copyrightOwner: null,
      osm: false,
      attributions: [
        OGL,
        'Contains Historic England data © Historic England. ' + OGL,
        '© Natural England copyright. Contains Ordnance Survey data © Crown copyright and database right.',
        null,
      ],
    });
    expect(s).toEqual([
      'Contains OS data © Crown copyright and database right 2027. Licence number AC0000012345.',
      OGL,
      'Contains Historic England data © Historic England.',
      '© Natural England copyright.',
    ]);
    const text = s.join(' ');
    expect(text.split('Open Government Licence').length - 1).toBe(1);
    expect(text).not.toContain('2026');
  });

  it('adds the OpenStreetMap attribution once when OSM data is drawn, and the owner and licence without a statement', () => {
    const s = copyrightStatement({
      year: 2026,
      authorityStatement: null,
      osLicenceNumber: '100019252',
      copyrightOwner: 'London Borough of Southwark',
      osm: true,
      attributions: ['© OpenStreetMap contributors, ODbL.'],
    });
    expect(s).toEqual([
      '© London Borough of Southwark 2026.',
      '© OpenStreetMap contributors, ODbL.',
      'Contains OS data © Crown copyright and database right 2026. Licence number 100019252.',
    ]);
  });

  it('leaves a statement alone when nothing needs adding, and does not repeat a licence number already stated', () => {
    expect(
      copyrightStatement({
        year: 2026,
        authorityStatement: '© Crown copyright and database rights 2024 OS AC0000012345',
        osLicenceNumber: 'AC0000012345',
        copyrightOwner: null,
        osm: false,
        attributions: [],
      }),
    ).toEqual(['© Crown copyright and database rights 2026 OS AC0000012345.']);
    expect(sentencesOf('')).toEqual([]);
  });
});

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

const TITLES = [
  'Listed building outline',
  'Conservation area',
  'Site of special scientific interest',
  'Special area of conservation',
  'Area of outstanding natural beauty',
  'World heritage site buffer zone',
  'Archaeological priority area',
  'Article 4 direction area',
];

/** A constraints scene with `n` layers, each with one small square in the frame. */
function manyLayers(n: number, opts: MapOptions) {
  const layers: MapLayer[] = Array.from({ length: n }, (_, i) => ({
    id: `layer-${i + 1}`,
    title: `${TITLES[i % TITLES.length]} ${i + 1}`,
    style: {
      'fill-color': `hsla(${(i * 37) % 360},70%,50%,0.2)`,
      'stroke-color': `hsl(${(i * 37) % 360},70%,35%)`,
      'stroke-width': 1.5,
    },
    attribution: i % 2 ? 'Contains Historic England data © Historic England. ' + OGL : OGL,
  }));
  const site = { minX: 533100, minY: 179100, maxX: 533120, maxY: 179140 };
  const content: MapContent = {
    template: 'constraints',
    title: 'Constraints map',
    reference: '24/AP/0101',
    address: '54 Hazel Road, London SE1 9ZZ',
    layers,
    recipients: [],
    content: { minX: site.minX - 40, minY: site.minY - 40, maxX: site.maxX + 40, maxY: site.maxY + 40 },
    mustFit: site,
  };
  const authority = {
    name: 'London Borough of Southwark',
    copyrightStatement: STATEMENT,
    osLicenceNumber: 'AC0000012345',
  };
  content.copyrightEstimate = [
    copyrightStatement({
      year: 2026,
      authorityStatement: STATEMENT,
      osLicenceNumber: 'AC0000012345',
      copyrightOwner: null,
      osm: true,
      attributions: layers.map((l) => l.attribution),
    }).join(' '),
  ];
  const frame = planFrame(sheetFor(opts.paper, opts.orientation, opts.dpi), opts, content);
  const features = layers.map((l, i) => {
    const x = 40 + (i % 10) * 60;
    const y = 40 + Math.floor(i / 10) * 60;
    return {
      class: `layer:${l.id}`,
      d: `M${x} ${y}L${x + 80} ${y}L${x + 80} ${y + 80}L${x} ${y + 80}Z`,
      pts: null,
      n: 1,
    };
  });
  features.push({ class: 'site', d: 'M300 300L340 300L340 380L300 380Z', pts: null, n: 1 });
  const input: SceneInput = { content, frame, features, authority, year: 2026, osmProperties: false };
  return sceneOf(input).scene;
}

describe('key with 40 layers', () => {
  for (const opts of [
    { paper: 'A4', orientation: 'portrait', scale: 1250, dpi: 150 },
    { paper: 'A4', orientation: 'landscape', scale: 1250, dpi: 150 },
    { paper: 'A3', orientation: 'landscape', scale: 'fit', dpi: 300 },
  ] as MapOptions[]) {
    it(`${opts.paper} ${opts.orientation}: every entry whole, none overlapping another or the copyright`, () => {
      const scene = manyLayers(40, opts);
      const p = sheetPanel(scene);
      const k = opts.dpi / 25.4;
      const keyed = scene.classes.filter((c) => c.label);
      expect(keyed.length).toBe(41); // 40 layers and the red line
      expect(p.key.fits).toBe(true);
      expect(p.key.entries.length).toBe(keyed.length);
      // every label's words are all there: nothing cut with an ellipsis
      p.key.entries.forEach((e, i) => {
        expect(e.lines.map((l) => l.text).join(' ')).toBe(keyed[i]!.label);
      });
      for (const [i, a] of p.key.entries.entries()) {
        for (const b of p.key.entries.slice(i + 1)) expect(overlaps(a.box, b.box)).toBe(false);
        expect(overlaps(a.box, p.copyright.box!)).toBe(false);
        // inside the panel, below the map frame, left of the north arrow
        expect(a.box.y).toBeGreaterThanOrEqual((scene.sheet.frame.y + scene.sheet.frame.h) * k);
        expect(a.box.x + a.box.w).toBeLessThanOrEqual(p.key.area.x + p.key.area.w + 0.5);
        expect(a.box.y + a.box.h).toBeLessThanOrEqual(p.key.area.y + p.key.area.h + 0.5);
      }
      // the copyright statement is whole (each line within the sheet) and states the OGL once
      const text = p.copyright.lines.map((l) => l.text).join(' ');
      expect(text).toBe(scene.copyright.join(' '));
      expect(text.split('Open Government Licence').length - 1).toBe(1);
      expect(text).toContain('Licence number AC0000012345');
      expect(p.copyright.box!.y + p.copyright.box!.h).toBeLessThanOrEqual(scene.sheet.heightPx);
      // the scale was not changed to make room
      expect(scene.scale).toBe(opts.scale === 'fit' ? scene.scale : opts.scale);
    });
  }

  it('golden image: A4 portrait at 1:1250 with 40 layers (tests/render/_key-40-layers)', async () => {
    const scene = manyLayers(40, { paper: 'A4', orientation: 'portrait', scale: 1250, dpi: 150 });
    const png = await rasterise(composeSvg(scene), 'png', 150);
    const dir = path.join(ROOT, '_key-40-layers');
    const expectedFile = path.join(dir, 'expected.png');
    fs.mkdirSync(dir, { recursive: true });
    if (process.env.UPDATE === '1' || (!fs.existsSync(expectedFile) && !process.env.CI)) {
      fs.writeFileSync(expectedFile, png);
      return;
    }
    const a = PNG.sync.read(png);
    const e = PNG.sync.read(fs.readFileSync(expectedFile));
    expect([a.width, a.height]).toEqual([e.width, e.height]);
    const diff = new PNG({ width: a.width, height: a.height });
    const n = pixelmatch(a.data, e.data, diff.data, a.width, a.height, { threshold: 0.1, includeAA: false });
    if (n > 100) {
      fs.writeFileSync(path.join(dir, 'actual.png'), png);
      fs.writeFileSync(path.join(dir, 'diff.png'), PNG.sync.write(diff));
    }
    expect(n).toBeLessThanOrEqual(100);
  }, 60_000);
});
