/**
 * `npm run bench:render` (second part): benchmark B7 of /work/shared/benchmarks.md.
 *
 *  B7  Neighbour letters. Redline: the service call behind POST /api/cases/{id}/documents { kind: 'neighbour-letter',
 *      runId } (server/modules/documents/service.ts createDocument), in process: it reads the case, the run's N
 *      recipients and the publicity, renders the neighbour map once (A4 portrait, fit, 150 dpi PNG), fills the
 *      authority's template once per recipient, writes one tagged PDF/UA-minded PDF of N letters (a Sect per letter,
 *      address block in the envelope window, footers as artifacts) each followed by a page painting the one embedded
 *      map image, stores the PDF with the case and audits it.
 *
 *      The floor: the same map rendered once (the same renderMap call) + pdfkit writing N pages with no map: each page
 *      the same address block and the same letter text (filled beforehand, outside the timing), untagged, in the same
 *      embedded DejaVu Sans, not stored.
 *
 *      N = 50 and N = 500 (two cases with runs of exactly that many recipients, around a site in Southwark), after a
 *      warm-up of each, interleaved A B / B A for BENCH_ROUNDS rounds. Reported: p50 / p95 of the whole call, ms per
 *      letter (p50 / N) and the ratio. Checked every run: Redline's PDF has the same whole number of pages per letter,
 *      at least 2 (the letter and the map page; pages per letter are reported), and exactly one image XObject; the
 *      floor's has N pages.
 *
 * Environment:
 *   BENCH_DATABASE_URL  the server to use (a database redline_bench_letters is made there) instead of a throwaway cluster
 *   BENCH_KEEP=1        keep the embedded cluster in $TMPDIR/redline-bench-keep
 *   BENCH_ROUNDS        measured rounds per N (default 5)
 */
import PDFDocument from 'pdfkit';
import type { Knex } from 'knex';
import { createDb } from '../../server/db/knex.ts';
import { ensureDatabase } from '../../server/db/embedded.ts';
import { migrateLatest } from '../../server/db/migrate.ts';
import { ensureAuthority } from '../../server/seed/seed.ts';
import { loadConfig } from '../../server/config/index.ts';
import { createUser, type User } from '../../server/modules/users/service.ts';
import { createCase, setSite, type CaseService } from '../../server/modules/cases/service.ts';
import { createRun, addressBlock, getRun, type Recipient } from '../../server/modules/neighbours/service.ts';
import { createDocument, type DocumentService } from '../../server/modules/documents/service.ts';
import { currentTemplate } from '../../server/modules/documents/templates.ts';
import { blocksToText, fillBody, nest } from '../../shared/domain/documents.ts';
import { renderMap } from '../../server/modules/maps/service.ts';
import { FONT_FILES } from '../../server/render/text.ts';
import { benchDatabase, machine, msSince, round, summarise, table, writeResults, type Summary } from './common.ts';
import { intakeOptions } from '../../server/http/context.ts';

const log = (m: string) => console.log(`[bench:letters] ${m}`);
const ROUNDS = (() => {
  const v = Number(process.env.BENCH_ROUNDS ?? 5);
  if (!Number.isInteger(v) || v < 1 || v > 100)
    throw new Error(`BENCH_ROUNDS=${process.env.BENCH_ROUNDS}: a whole number from 1 to 100`);
  return v;
})();
const SIZES = [50, 500] as const;
const DB_NAME = 'redline_bench_letters';
const SITE = { x: 533000, y: 179000, side: 24 };
const square = (x: number, y: number, s: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + s, y],
      [x + s, y + s],
      [x, y + s],
      [x, y],
    ],
  ],
});

/** n address points on a spiral around a site at (cx, cy), 15–90 m from its centre, never inside it. */
async function addAddresses(db: Knex, authorityId: number, firstUprn: number, n: number, cx: number, cy: number) {
  const rows = Array.from({ length: n }, (_, i) => {
    const a = i * 2.39996; // golden angle: evenly spread
    const r = 22 + 68 * Math.sqrt((i + 0.5) / n);
    const flat = i % 4 === 3;
    return {
      uprn: firstUprn + i,
      authority_id: authorityId,
      address_lines: flat
        ? [`Flat ${(i % 9) + 1}`, `${Math.floor(i / 4) + 1} Letter Court`, 'London']
        : [`${i + 1} Bench Road`, 'London'],
      postcode: 'SE1 1AA',
      classification: flat ? 'RD06' : 'RD04',
      geom: db.raw('ST_SetSRID(ST_MakePoint(?, ?), 27700)', [
        round(cx + r * Math.cos(a), 2),
        round(cy + r * Math.sin(a), 2),
      ]),
      source: 'bench (generated)',
    };
  });
  for (let i = 0; i < rows.length; i += 500) await db('address').insert(rows.slice(i, i + 500));
}

async function main() {
  log(`B7 neighbour letters: N = ${SIZES.join(', ')}, ${ROUNDS} rounds`);
  const database = await benchDatabase(log);
  let db: Knex | null = null;
  try {
    const base = (() => {
      const u = new URL(database.url);
      u.pathname = '';
      return u.toString().replace(/\/$/, '');
    })();
    const admin = createDb(`${base}/postgres`, 1);
    await admin.raw(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.destroy();
    await ensureDatabase(base, DB_NAME);
    db = createDb(`${base}/${DB_NAME}`);
    await migrateLatest(db);
    const authorityId = await ensureAuthority(db, 'SWK');
    const config = loadConfig({ LOG_LEVEL: 'silent', REDLINE_DATA_DIR: '/nonexistent' });
    const user: User = await createUser(
      db,
      { id: null, username: 'system:bench' },
      { username: 'bench.letters', role: 'officer' },
    );
    const intake = intakeOptions(config, authorityId);
    const cases: CaseService = { db, authorityId, intake };
    const docs: DocumentService = { db, authorityId, mapMaxPixels: config.MAP_MAX_PIXELS };

    // two cases, 1 km apart, each with a run of exactly N recipients
    const subjects: Array<{ n: number; caseId: number; runId: number }> = [];
    let uprn = 900_100_000_000;
    for (const [i, n] of SIZES.entries()) {
      await addAddresses(db, authorityId, uprn, n, SITE.x + i * 1000 + SITE.side / 2, SITE.y + SITE.side / 2);
      uprn += n;
    }
    await db.raw(
      `UPDATE reference_dataset SET data_version = 1, loaded_at = now(), feature_count = ? WHERE id = 'address'`,
      [uprn - 900_100_000_000],
    );
    for (const [i, n] of SIZES.entries()) {
      const x = SITE.x + i * 1000;
      const c = await createCase(cases, user, {
        kind: 'application',
        applicationType: 'full',
        description: `Erection of a four storey building with ${n} neighbours to tell`,
        siteAddress: `${i + 1} Benchmark Street, London SE1 1AA`,
        receivedDate: '2026-10-01',
        validDate: '2026-10-05',
        status: 'consultation',
      } as Parameters<typeof createCase>[2]);
      await setSite(
        cases,
        user,
        c.id,
        { geometry: square(x, SITE.y, SITE.side), crs: 'EPSG:27700', source: 'drawn' },
        c.version,
      );
      const run = await createRun(db, authorityId, c.id, { radiusM: 100, add: [], remove: [] }, intake, {
        id: user.id,
        username: user.username,
      });
      if (run.recipients.length !== n)
        throw new Error(`expected a run of ${n} recipients, got ${run.recipients.length}`);
      subjects.push({ n, caseId: c.id, runId: run.id });
    }
    log('cases and runs made');

    const results: Array<{
      n: number;
      redline: Summary;
      floor: Summary;
      redlineMsPerLetter: number;
      floorMsPerLetter: number;
      ratioP50: number;
      ratioP95: number;
      redlinePages: number;
      redlinePagesPerLetter: number;
      redlineBytes: number;
      imageObjects: number;
      floorPages: number;
      floorBytes: number;
      mapMs: Summary;
    }> = [];
    let failures = 0;
    for (const s of subjects) {
      // the floor's text: the same letters, filled beforehand
      const template = await currentTemplate(db, authorityId, 'neighbour-letter');
      const run = await getRun(db, authorityId, s.caseId, s.runId);
      const c = await db('case_record').where({ id: s.caseId }).first('reference', 'site_address', 'description');
      const letters = run.recipients.map((r: Recipient) => ({
        address: addressBlock(r).join('\n'),
        // the words Redline's letter has (the dates as when none is known yet)
        text: blocksToText(
          fillBody(
            template.body,
            nest({
              'authority.name': 'London Borough of Southwark',
              'case.reference': c.reference,
              'case.address': c.site_address,
              'case.description': c.description,
              'case.applicationType': 'Full planning permission',
              'publicity.windowDays': '21',
              'publicity.commentByKnown': false,
              'publicity.earliestDecisionDateKnown': false,
              'recipient.address': addressBlock(r).slice(1).join(', '),
              'recipient.number': String(r.number),
            }),
          ),
        ),
      }));
      const mapMs: number[] = [];
      const floor = async () => {
        const t0 = process.hrtime.bigint();
        const m0 = process.hrtime.bigint();
        await renderMap(
          db!,
          authorityId,
          'neighbours',
          { paper: 'A4', orientation: 'portrait', scale: 'fit', dpi: 150, format: 'png' },
          { kind: 'case', caseId: s.caseId, runId: s.runId },
          config.MAP_MAX_PIXELS,
        );
        mapMs.push(msSince(m0));
        const doc = new PDFDocument({ size: 'A4', autoFirstPage: false, compress: true });
        doc.registerFont('body', FONT_FILES.regular);
        const chunks: Buffer[] = [];
        doc.on('data', (c: Buffer) => chunks.push(c));
        const ended = new Promise((r) => doc.on('end', r));
        for (const l of letters) {
          doc.addPage();
          doc.font('body').fontSize(10).text(l.address, 71, 147, { width: 227 });
          doc.fontSize(11).text(l.text, 71, 261, { width: 453 });
        }
        doc.end();
        await ended;
        const pdf = Buffer.concat(chunks);
        return {
          ms: msSince(t0),
          pages: (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length,
          bytes: pdf.length,
        };
      };
      const redline = async () => {
        const t0 = process.hrtime.bigint();
        const d = await createDocument(docs, { id: user.id, username: user.username, role: 'officer' }, s.caseId, {
          kind: 'neighbour-letter',
          runId: s.runId,
        });
        const ms = msSince(t0);
        const raw = (await db!('document').where({ id: d.id }).first('pdf')).pdf as Buffer;
        return {
          ms,
          pages: d.pages,
          bytes: d.bytes,
          images: (raw.toString('latin1').match(/\/Subtype\s*\/Image\b/g) ?? []).length,
        };
      };
      log(`N = ${s.n}: warm-up`);
      await redline();
      await floor();
      mapMs.length = 0;
      const a: number[] = [];
      const b: number[] = [];
      let last = { pages: 0, bytes: 0, images: 0 };
      let lastFloor = { pages: 0, bytes: 0 };
      for (let round_ = 0; round_ < ROUNDS; round_++) {
        const order = round_ % 2 === 0 ? ['redline', 'floor'] : ['floor', 'redline'];
        for (const which of order) {
          if (which === 'redline') {
            const r = await redline();
            a.push(r.ms);
            last = r;
            // every letter the same number of pages: its letter page(s) and the page with the map
            if (r.pages % s.n !== 0 || r.pages < 2 * s.n || r.images !== 1) {
              failures++;
              log(
                `MISMATCH N = ${s.n}: Redline's PDF has ${r.pages} pages (expected a whole number ≥ 2 per letter, ${s.n} letters) and ${r.images} image objects (expected 1)`,
              );
            }
          } else {
            const f = await floor();
            b.push(f.ms);
            lastFloor = f;
            if (f.pages !== s.n) {
              failures++;
              log(`MISMATCH N = ${s.n}: the floor's PDF has ${f.pages} pages (expected ${s.n})`);
            }
          }
        }
        log(`  round ${round_ + 1}: Redline ${round(a.at(-1)!, 0)} ms, floor ${round(b.at(-1)!, 0)} ms`);
      }
      const ra = summarise(a);
      const rb = summarise(b);
      results.push({
        n: s.n,
        redline: ra,
        floor: rb,
        redlineMsPerLetter: round(ra.p50 / s.n, 2),
        floorMsPerLetter: round(rb.p50 / s.n, 2),
        ratioP50: round(ra.p50 / rb.p50, 2),
        ratioP95: round(ra.p95 / rb.p95, 2),
        redlinePages: last.pages,
        redlinePagesPerLetter: round(last.pages / s.n, 2),
        redlineBytes: last.bytes,
        imageObjects: last.images,
        floorPages: lastFloor.pages,
        floorBytes: lastFloor.bytes,
        mapMs: summarise(mapMs),
      });
    }

    console.log('\nB7 neighbour letters (ms for the whole PDF; per letter = p50 / N)\n');
    console.log(
      table([
        [
          'N',
          'Redline p50',
          'p95',
          'per letter',
          'floor p50',
          'p95',
          'per letter',
          'ratio p50',
          'p95',
          'map render p50',
          'Redline PDF',
          'floor PDF',
        ],
        ...results.map((r) => [
          r.n,
          r.redline.p50,
          r.redline.p95,
          r.redlineMsPerLetter,
          r.floor.p50,
          r.floor.p95,
          r.floorMsPerLetter,
          r.ratioP50,
          r.ratioP95,
          r.mapMs.p50,
          `${r.redlinePages} pp, ${round(r.redlineBytes / 1024, 0)} KB, ${r.imageObjects} image`,
          `${r.floorPages} pp, ${round(r.floorBytes / 1024, 0)} KB`,
        ]),
      ]),
    );
    const file = writeResults('letters', {
      benchmark: 'B7',
      description:
        'N neighbour letters with the map as one tagged PDF (Redline createDocument: read, map once, fill, PDF, store, audit) vs renderMap once + N plain pdfkit pages with no map',
      date: new Date().toISOString(),
      machine: machine(),
      rounds: ROUNDS,
      results,
      failures,
    });
    log(`results: ${file}`);
    if (failures) process.exitCode = 1;
  } finally {
    await db?.destroy().catch(() => undefined);
    await database.stop().catch((e) => log(`could not stop the cluster: ${(e as Error).message}`));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
