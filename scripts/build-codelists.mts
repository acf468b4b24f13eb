// Regenerates shared/domain/codelists/planning-application-type.json from the planning.data.gov.uk
// planning-application specification's code list (CSV). Run: npx tsx scripts/build-codelists.mts <csv>
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
const rows = parse(fs.readFileSync(process.argv[2]!, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<
  string,
  string
>[];
const minerals = new Set(['mineral-extraction', 'mineral-app', 'romp', 'extraction-oil-gas']);
const waste = new Set(['waste-dev']);
const out = rows
  .filter((r) => !r['end-date'])
  .map((r) => ({
    reference: r.reference!,
    parent: r.parent || null,
    name: r.name!.replace(/\s+/g, ' ').trim(),
    countyMatter: minerals.has(r.reference!) ? 'minerals' : waste.has(r.reference!) ? 'waste' : null,
  }));
fs.writeFileSync('shared/domain/codelists/planning-application-type.json', JSON.stringify(out, null, 1) + '\n');
console.log(out.length, 'application types');
