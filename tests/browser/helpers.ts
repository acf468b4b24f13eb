/**
 * Browser tests (issue 12 item 9): the real app on a free port with its own test database, driven by Debian's
 * Chromium through playwright-core (never a downloaded browser), with an axe-core check of each page and state.
 *
 *   const s = useBrowser({ layers: true, addresses: true });   // in the test file, at the top level
 *   it('…', async () => { const page = s.page; await signIn(page, 'support'); await axeCheck(page); });
 *
 * useBrowser registers the file's hooks: beforeAll starts the app (demo Southwark layers and addresses when asked)
 * and Chromium once; each test gets a fresh browser context (no cookies) and page; a failed test leaves a
 * screenshot in tests/browser/artifacts/<test name>.png (the path is printed) with the page's errors.
 * Users: one per role, `<role>.user` with the password `<role>-password-123` (tests/helpers/app.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { CLIENT_OUT, ensureClientBuilt } from '../../server/http/client-build.ts';
import { loadDemoLayers } from '../../server/seed/layers.ts';
import { loadDemoAddresses } from '../../server/seed/addresses.ts';
import type { Role } from '../../shared/roles.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const here = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.join(here, 'artifacts');
const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const passwordOf = (role: Role) => `${role}-password-123`;
export const usernameOf = (role: Role) => `${role}.user`;

export interface BrowserSuite {
  /** the app (database, API as each role through supertest) */
  readonly t: TestApp;
  /** http://127.0.0.1:<port> */
  readonly base: string;
  readonly browser: Browser;
  /** this test's context and page (fresh for each test) */
  readonly context: BrowserContext;
  readonly page: Page;
  /** the page's uncaught errors, failed requests and console errors so far in this test */
  readonly problems: string[];
  url(p: string): string;
}

export interface BrowserSuiteOptions {
  /** load the demo Southwark constraint layers (server/seed/layers.ts) */
  layers?: boolean;
  /** load the demo property outlines and addresses (server/seed/addresses.ts; needs the layers) */
  addresses?: boolean;
  viewport?: { width: number; height: number };
}

/** Fails (never skips) when Debian's Chromium is not there. */
export function assertChromium(): void {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(
      `The browser tests need Debian's Chromium at ${CHROMIUM}, which is missing: install it with ` +
        '`apt-get install chromium` (.ci/run and scripts/install-system-deps.sh do). The tests never download a browser.',
    );
}

/**
 * The built client, copied away from dist/client: other test runs rebuild dist/client (emptying it first) when the
 * client's sources change, so the pages' scripts are served to Chromium from this copy when dist/client has lost them.
 */
async function snapshotClient(): Promise<string> {
  await ensureClientBuilt();
  const manifest = path.join(CLIENT_OUT, '.vite', 'manifest.json');
  for (let attempt = 0; attempt < 240; attempt++) {
    try {
      const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as Record<string, { file: string; css?: string[] }>;
      const files = Object.values(m).flatMap((c) => [c.file, ...(c.css ?? [])]);
      if (files.every((f) => fs.existsSync(path.join(CLIENT_OUT, f)))) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-browser-client-'));
        fs.cpSync(CLIENT_OUT, dir, { recursive: true });
        return dir;
      }
    } catch {
      // being rebuilt: wait
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`The browser client in ${CLIENT_OUT} never finished building.`);
}

const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript',
  css: 'text/css',
  map: 'application/json',
  woff2: 'font/woff2',
  woff: 'font/woff',
  png: 'image/png',
  svg: 'image/svg+xml',
};

function safeName(s: string): string {
  return (
    s
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 150) || 'test'
  );
}

/** Registers the file's hooks and answers the suite (read its fields inside tests and hooks only). */
export function useBrowser(opts: BrowserSuiteOptions = {}): BrowserSuite {
  let t: TestApp | undefined;
  let server: Server | undefined;
  let base = '';
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let clientCopy = '';
  let dataDir = '';
  let problems: string[] = [];

  beforeAll(async () => {
    assertChromium();
    clientCopy = await snapshotClient();
    t = await startTestApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '1000' });
    if (opts.layers || opts.addresses) await loadDemoLayers(t.db);
    if (opts.addresses) {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-browser-data-'));
      await loadDemoAddresses(t.db, dataDir);
    }
    server = t.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      server!.once('listening', resolve);
      server!.once('error', reject);
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await t?.closeApp();
    for (const d of [clientCopy, dataDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  beforeEach(async () => {
    problems = [];
    context = await browser!.newContext({
      viewport: opts.viewport ?? { width: 1280, height: 900 },
      locale: 'en-GB',
      timezoneId: 'Europe/London',
      acceptDownloads: true,
    });
    context.setDefaultTimeout(15_000);
    // the client's files: dist/client when it has them, else the copy made when the file started
    await context.route(/\/assets\/(?!govuk\/)[^?#]+/, async (route) => {
      const name = decodeURIComponent(new URL(route.request().url()).pathname.replace(/^\/assets\//, ''));
      if (name.includes('..')) return route.continue();
      const live = path.join(CLIENT_OUT, name);
      const copy = path.join(clientCopy, name);
      const file = fs.existsSync(live) ? live : fs.existsSync(copy) ? copy : null;
      if (!file) return route.continue();
      try {
        const body = fs.readFileSync(file);
        await route.fulfill({
          body,
          contentType: CONTENT_TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream',
        });
      } catch {
        await route.continue();
      }
    });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
  });

  afterEach(async (ctx) => {
    // a failed test leaves a screenshot of where it stopped, and the page's errors
    if (ctx.task.result?.state === 'fail' && page && !page.isClosed()) {
      const name = safeName([ctx.task.suite?.name, ctx.task.name].filter(Boolean).join(' - '));
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      const file = path.join(ARTIFACTS, `${name}.png`);
      try {
        await page.screenshot({ path: file, fullPage: true, timeout: 10_000 });
        console.error(`Screenshot of the failed test "${ctx.task.name}": ${file} (page ${page.url()})`);
      } catch (e) {
        console.error(`No screenshot of the failed test "${ctx.task.name}": ${(e as Error).message}`);
      }
      if (problems.length) console.error(`The page's errors:\n  ${problems.join('\n  ')}`);
    }
    await context?.close().catch(() => undefined);
    context = undefined;
    page = undefined;
  });

  return {
    get t() {
      return t!;
    },
    get base() {
      return base;
    },
    get browser() {
      return browser!;
    },
    get context() {
      return context!;
    },
    get page() {
      return page!;
    },
    get problems() {
      return problems;
    },
    url: (p: string) => base + p,
  };
}

/** Signs in through the real /login form and waits for the page it goes to. */
export async function signIn(page: Page, role: Role, base?: string): Promise<void> {
  const origin = base ?? new URL(page.url()).origin;
  if (!page.url().includes('/login')) await page.goto(`${origin}/login`);
  await page.getByLabel('Username').fill(usernameOf(role));
  await page.getByLabel('Password').fill(passwordOf(role));
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login')),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: unknown[]; html: string; failureSummary?: string }>;
}

/**
 * Runs axe-core (WCAG 2.0–2.2 A and AA rules) on the page as it is now and fails on any serious or critical
 * violation, listing each with the elements it found. `what` names the state in the failure message.
 */
export async function axeCheck(page: Page, what = page.url(), opts: { exclude?: string[] } = {}): Promise<void> {
  const hasAxe = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    async ({ exclude }) => {
      const axe = (
        window as unknown as {
          axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: unknown[] }> };
        }
      ).axe;
      const r = await axe.run(exclude.length ? { include: [document], exclude: exclude.map((s) => [s]) } : document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
        resultTypes: ['violations'],
      });
      return r.violations;
    },
    { exclude: opts.exclude ?? [] },
  )) as AxeViolation[];
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const text = bad
    .map(
      (v) =>
        `- [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
        v.nodes
          .slice(0, 5)
          .map((n) => `    ${JSON.stringify(n.target)} ${n.html.slice(0, 160)}`)
          .join('\n') +
        (v.nodes.length > 5 ? `\n    … and ${v.nodes.length - 5} more` : ''),
    )
    .join('\n');
  expect(bad.length, `axe-core: serious or critical accessibility violations on ${what}:\n${text}`).toBe(0);
}

/**
 * A screenshot of a state for people to look at, when REDLINE_BROWSER_SHOTS names a folder (nothing otherwise).
 */
export async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.REDLINE_BROWSER_SHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${safeName(name)}.png`), fullPage: true });
}

/** Waits for the staff map on the page to be ready (its boot sets data-map-ready) and fails if it failed. */
export async function waitForMap(page: Page): Promise<void> {
  const map = page.locator('#staff-map');
  await expect.poll(() => map.getAttribute('data-map-ready'), { timeout: 20_000 }).toMatch(/^(true|failed)$/);
  expect(await map.getAttribute('data-map-ready'), 'the staff map failed to start (see the console)').toBe('true');
}

/** The map's view centre and resolution (EPSG:27700), read from the OpenLayers map the map module exposes. */
export async function mapView(page: Page): Promise<{ center: [number, number]; resolution: number }> {
  return page.evaluate(() => {
    const sm = (document.getElementById('staff-map') as unknown as { staffMap: StaffMapLike }).staffMap;
    const v = sm.map.getView();
    return { center: v.getCenter() as [number, number], resolution: v.getResolution() as number };
  });
}

/** Page pixel positions (relative to the viewport) of map coordinates (EPSG:27700), via map.getPixelFromCoordinate. */
export async function pixelsOf(page: Page, coords: Array<[number, number]>): Promise<Array<{ x: number; y: number }>> {
  return page.evaluate((cs) => {
    const el = document.getElementById('staff-map')!;
    const sm = (el as unknown as { staffMap: StaffMapLike }).staffMap;
    const vp = sm.map.getViewport().getBoundingClientRect();
    return cs.map((c) => {
      const px = sm.map.getPixelFromCoordinate(c);
      return { x: vp.left + px[0]!, y: vp.top + px[1]! };
    });
  }, coords);
}

/** Clicks the map at each coordinate (EPSG:27700) in turn, the map scrolled into view first. */
export async function clickMapAt(page: Page, coords: Array<[number, number]>): Promise<void> {
  await page.locator('#staff-map').scrollIntoViewIfNeeded();
  for (const p of await pixelsOf(page, coords)) await page.mouse.click(p.x, p.y);
}

/** Centres the map on a coordinate at a resolution (metres a pixel), and waits for it to render. */
export async function centreMap(page: Page, center: [number, number], resolution: number): Promise<void> {
  await page.evaluate(
    ({ center, resolution }) => {
      const sm = (document.getElementById('staff-map') as unknown as { staffMap: StaffMapLike }).staffMap;
      sm.map.getView().setResolution(resolution);
      sm.map.getView().setCenter(center);
      sm.map.renderSync();
    },
    { center, resolution },
  );
}

/** The part of an OpenLayers map these tests read (typed here so the tests need not import ol). */
interface StaffMapLike {
  map: {
    getView(): {
      getCenter(): number[] | undefined;
      getResolution(): number | undefined;
      setCenter(c: number[]): void;
      setResolution(r: number): void;
    };
    getViewport(): HTMLElement;
    getPixelFromCoordinate(c: number[]): number[];
    renderSync(): void;
  };
}

/** A polygon's area in m² (shoelace), for checking the area the page shows. */
export function ringArea(ring: Array<[number, number]>): number {
  let a = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % ring.length]!;
    a += x1 * y2 - x2 * y1;
  }
  return Math.abs(a) / 2;
}
