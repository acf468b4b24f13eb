/**
 * The browser client's build (Vite, client/vite.config.ts) and the manifest that links its content-hashed files.
 * `npm start` and the test setup build it when dist/client is missing or older than any of its sources, so the
 * two README commands stay enough on a fresh clone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../config/index.ts';

export const CLIENT_DIR = path.join(repoRoot, 'client');
export const CLIENT_OUT = path.join(repoRoot, 'dist', 'client');
const MANIFEST = path.join(CLIENT_OUT, '.vite', 'manifest.json');

function newestMtime(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

/** Whether the built client is missing or older than its sources, its build config or the installed packages. */
export function clientBuildStale(): boolean {
  if (!fs.existsSync(MANIFEST)) return true;
  const built = fs.statSync(MANIFEST).mtimeMs;
  const inputs = [path.join(CLIENT_DIR, 'src'), path.join(CLIENT_DIR, 'vite.config.ts'), path.join(repoRoot, 'shared')];
  const lock = path.join(repoRoot, 'package-lock.json');
  if (fs.existsSync(lock)) inputs.push(lock);
  return inputs.some((p) => newestMtime(p) > built);
}

/** Builds the client with Vite when it is stale; returns whether it built. */
export async function ensureClientBuilt(onBuild: (message: string) => void = () => undefined): Promise<boolean> {
  if (!clientBuildStale()) return false;
  onBuild('building the browser client (Vite)');
  const { build } = await import('vite');
  await build({ configFile: path.join(CLIENT_DIR, 'vite.config.ts'), logLevel: 'warn' });
  return true;
}

export interface EntryAssets {
  scripts: string[];
  styles: string[];
}

interface ManifestChunk {
  file: string;
  css?: string[];
  imports?: string[];
}

/** The script and stylesheet URLs of each entry ('staff', 'register'), read once from Vite's manifest. */
export function readClientManifest(): Record<string, EntryAssets> {
  if (!fs.existsSync(MANIFEST)) return {};
  const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as Record<string, ManifestChunk>;
  const out: Record<string, EntryAssets> = {};
  for (const [src, chunk] of Object.entries(manifest)) {
    const m = /^src\/(\w+)\/main\.ts$/.exec(src);
    if (!m) continue;
    const styles = new Set<string>(chunk.css ?? []);
    for (const imp of chunk.imports ?? []) for (const css of manifest[imp]?.css ?? []) styles.add(css);
    out[m[1]!] = { scripts: [`/assets/${chunk.file}`], styles: [...styles].map((f) => `/assets/${f}`) };
  }
  return out;
}
