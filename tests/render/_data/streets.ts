/**
 * Writes tests/render/_data/streets.json: a made-up terraced neighbourhood in EPSG:27700 around [533200, 179200]
 * (inside Southwark) shared by the golden render cases. East–west streets every 60 m (12 m wide), houses 8 m wide
 * on both sides with shared walls, a north–south street at x −124…−112, a block of flats (eight flats and their
 * parent shell at one point) beside the site's plot, and address points at the houses near the site.
 * Run `npx tsx tests/render/_data/streets.ts` after changing it, then re-bless the golden images (UPDATE=1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ORIGIN = [533200, 179200] as const;
type Ring = Array<[number, number]>;
const at = (x: number, y: number): [number, number] => [ORIGIN[0] + x, ORIGIN[1] + y];
const rect = (x0: number, y0: number, x1: number, y1: number): Ring => [at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)];

const properties: Array<{ ref: string; name: string; geometry: { type: 'Polygon'; coordinates: Ring[] } }> = [];
const addresses: Array<{ uprn: number; parent?: number; classification?: string; lines: string[]; postcode: string; x: number; y: number }> = [];
let uprn = 900_000_100_000;

const streets = [-120, -60, 0, 60, 120];
const streetName = (s: number) => ({ [-120]: 'Fennel Street', [-60]: 'Garlic Row', 0: 'Hazel Road', 60: 'Ivy Street', 120: 'Juniper Road' })[s]!;
for (const s of streets) {
  for (const side of [1, -1] as const) {
    let n = side === 1 ? 2 : 1;
    for (let x = -208; x < 208; x += 8) {
      if (x + 8 > -124 && x < -112) continue; // the north–south street
      if (s === 0 && side === 1 && x >= 16 && x < 40) continue; // the block of flats
      const deep = (x / 8) % 5 === 0 ? 4 : 0; // every fifth house has a rear extension
      const y0 = side === 1 ? s + 9 : s - 19 - deep;
      const y1 = side === 1 ? s + 19 + deep : s - 9;
      const ref = `H${s}${side === 1 ? 'N' : 'S'}${x}`;
      const line = `${n} ${streetName(s)}`;
      properties.push({ ref, name: line, geometry: { type: 'Polygon', coordinates: [rect(x, y0, x + 8, y1)] } });
      // address points for the houses around the site
      if (Math.abs(x) <= 96 && (s === 0 || s === 60 || s === -60)) {
        const [px, py] = at(x + 4, side === 1 ? s + 14 : s - 14);
        addresses.push({ uprn: uprn++, lines: [line, 'London'], postcode: 'SE1 9ZZ', x: px, y: py });
      }
      n += 2;
    }
  }
}
// the block of flats east of the site's plot: one outline, eight flats and their parent shell at one point
properties.push({ ref: 'FLATS', name: 'Rowan Court', geometry: { type: 'Polygon', coordinates: [rect(16, 9, 40, 23)] } });
const [fx, fy] = at(28, 16);
const parent = uprn++;
addresses.push({ uprn: parent, classification: 'PP', lines: ['Rowan Court', '6 Hazel Road', 'London'], postcode: 'SE1 9ZY', x: fx, y: fy });
for (let k = 1; k <= 8; k++) addresses.push({ uprn: uprn++, parent, classification: 'RD06', lines: [`Flat ${k}`, 'Rowan Court', '6 Hazel Road', 'London'], postcode: 'SE1 9ZY', x: fx, y: fy });

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'streets.json');
const body = JSON.stringify({ description: 'Made-up terraced streets around [533200, 179200], EPSG:27700 (tests/render/_data/streets.ts)', properties, addresses });
fs.writeFileSync(out, body.replace(/\},\{"(ref|uprn)"/g, '},\n{"$1"') + '\n');
console.log(`${properties.length} outlines, ${addresses.length} addresses → ${out}`);
