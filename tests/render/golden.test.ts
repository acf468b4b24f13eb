/**
 * Golden map renders. Each folder here (not starting with "_") is a case: input.json (the template, the sheet's
 * query parameters and the data put into a fresh test database through the real routes and loaders, see
 * fixture.ts) and expected.png. The map is rendered through GET /api/cases/:id/maps/<template>.png and compared
 * with expected.png by pixels (pixelmatch, with the case's tolerance).
 *
 *  - On a mismatch, actual.png and diff.png are written beside expected.png (git ignores them) and the test fails.
 *  - UPDATE=1 writes expected.png from the render (bless: look at every image you bless).
 *  - A missing expected.png fails when CI is set; otherwise it is written and the test says so on the console.
 *
 * Images are deterministic: text is drawn as outlines of the bundled DejaVu fonts, nothing comes from the network,
 * and no date or time is drawn.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.ts';
import { binary, loadInput, type RenderInput } from './fixture.ts';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const UPDATE = process.env.UPDATE === '1';
const CI = Boolean(process.env.CI);

const cases = fs
  .readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('_') && fs.existsSync(path.join(ROOT, d.name, 'input.json')))
  .map((d) => d.name)
  .sort();

interface Comparison {
  width: number;
  height: number;
  mismatched: number;
  diff: PNG;
}

/** Pixel comparison of two PNGs of the same size (null when the sizes differ). */
function comparePng(actual: Buffer, expected: Buffer, threshold: number): Comparison | null {
  const a = PNG.sync.read(actual);
  const e = PNG.sync.read(expected);
  if (a.width !== e.width || a.height !== e.height) return null;
  const diff = new PNG({ width: a.width, height: a.height });
  const mismatched = pixelmatch(a.data, e.data, diff.data, a.width, a.height, { threshold, includeAA: false });
  return { width: a.width, height: a.height, mismatched, diff };
}

describe('golden map renders (tests/render/<case>/expected.png)', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(6);
  });

  for (const name of cases) {
    const dir = path.join(ROOT, name);
    const input = JSON.parse(fs.readFileSync(path.join(dir, 'input.json'), 'utf8')) as RenderInput;
    it(`${name}: ${input.description}`, async () => {
      const t = await startTestApp();
      try {
        const { caseId } = await loadInput(t, dir, input);
        const qs = new URLSearchParams(input.query).toString();
        const res = await binary(t.as('officer').get(`/api/cases/${caseId}/maps/${input.template}.png?${qs}`));
        const actual = res.body as Buffer;
        expect(res.status, res.status === 200 ? '' : actual.toString('utf8')).toBe(200);
        expect(res.headers['content-type']).toBe('image/png');
        for (const [h, v] of Object.entries(input.headers ?? {})) expect(res.headers[h.toLowerCase()], h).toBe(v);

        const expectedFile = path.join(dir, 'expected.png');
        const actualFile = path.join(dir, 'actual.png');
        const diffFile = path.join(dir, 'diff.png');
        const clean = () => {
          fs.rmSync(actualFile, { force: true });
          fs.rmSync(diffFile, { force: true });
        };
        if (UPDATE) {
          fs.writeFileSync(expectedFile, actual);
          clean();
          return;
        }
        if (!fs.existsSync(expectedFile)) {
          if (CI) {
            fs.writeFileSync(actualFile, actual);
            expect.fail(
              `${name}: expected.png is missing (CI is set). The render is in ${actualFile}: look at it, then bless it with UPDATE=1 and commit expected.png.`,
            );
          }
          fs.writeFileSync(expectedFile, actual);
          console.warn(
            `golden ${name}: expected.png was missing and has been written from this render; look at it before committing it.`,
          );
          return;
        }
        const cmp = comparePng(actual, fs.readFileSync(expectedFile), input.tolerance?.threshold ?? 0.1);
        const allowed = input.tolerance?.maxDiffPixels ?? 100;
        if (!cmp || cmp.mismatched > allowed) {
          fs.writeFileSync(actualFile, actual);
          if (cmp) fs.writeFileSync(diffFile, PNG.sync.write(cmp.diff));
          const e = PNG.sync.read(fs.readFileSync(expectedFile));
          const a = PNG.sync.read(actual);
          expect.fail(
            cmp
              ? `${name}: ${cmp.mismatched} pixels differ (${allowed} allowed); see ${actualFile} and ${diffFile}`
              : `${name}: the image is ${a.width} × ${a.height} px, expected ${e.width} × ${e.height}; see ${actualFile}`,
          );
        }
        clean();
      } finally {
        await t.closeApp();
      }
    }, 120_000);
  }
});
