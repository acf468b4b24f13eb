/**
 * The browser client: the staff app and the public register's enhancements, built into dist/client with
 * content-hashed file names (served with immutable caching) and a manifest the server reads to link them.
 * `npm start` runs this build when dist/client is missing or older than its sources (server/http/client-build.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/assets/',
  logLevel: 'warn',
  build: {
    outDir: path.join(here, '..', 'dist', 'client'),
    assetsDir: '',
    emptyOutDir: true,
    manifest: true,
    sourcemap: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        staff: path.join(here, 'src', 'staff', 'main.ts'),
        register: path.join(here, 'src', 'register', 'main.ts'),
      },
    },
  },
  css: { preprocessorOptions: { scss: { quietDeps: true, silenceDeprecations: ['import'] } } },
});
