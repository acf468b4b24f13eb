// ESLint (flat config) — the house rules that keep Redline's layers apart. Each rule here fails `npm run lint`,
// which `npm test` runs first. tests/unit/lint-rules.test.ts proves that each boundary rule fires.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'net',
  'os',
  'path',
  'process',
  'stream',
  'url',
  'util',
  'worker_threads',
  'zlib',
];

/** Packages that do I/O: never in shared code (domain rules, the layer schema) that the browser also runs. */
const IO_PACKAGES = ['knex', 'knex-postgis', 'pg', 'express', 'sharp', 'pdfkit', 'pino', 'connect-pg-simple'];

const noIo = {
  paths: [...IO_PACKAGES, ...NODE_BUILTINS].map((name) => ({
    name,
    message: 'shared/ runs in the browser and the server: no I/O, no Node built-ins. Pass data in instead.',
  })),
  patterns: [
    { group: ['node:*'], message: 'shared/ runs in the browser too: no Node built-ins.' },
    { group: ['**/server/**', '../server/*'], message: 'shared/ must not import the server.' },
    { group: ['**/client/**'], message: 'shared/ must not import the client.' },
  ],
};

/** SQL text belongs in sql/queries/*.sql (with its header) or a module's repo.ts; so do knex calls. */
// upper-case keywords, as every statement here is written; prose such as "withinM" or "Update the case" is not SQL
const SQL_WORDS = '^\\s*\\(?(SELECT|WITH|INSERT INTO|UPDATE \\w+ SET|DELETE FROM|CREATE|ALTER|DROP|TRUNCATE)\\s';
const sqlOutsideRepo = [
  {
    selector: `Literal[value=/${SQL_WORDS}/]`,
    message: 'SQL text lives in sql/queries/*.sql (with a header) or in the module repo.ts, not here.',
  },
  {
    selector: `TemplateLiteral > TemplateElement:first-child[value.raw=/${SQL_WORDS}/]`,
    message: 'SQL text lives in sql/queries/*.sql (with a header) or in the module repo.ts, not here.',
  },
  {
    selector: "CallExpression[callee.property.name='raw']:not([callee.object.name='express'])",
    message: 'knex .raw() belongs in a repo.ts (or server/db/). Call a repo function here.',
  },
  {
    selector: "CallExpression[callee.type='Identifier'][callee.name=/^(db|trx|knex)$/]",
    message: 'knex query building belongs in a repo.ts (or server/db/). Call a repo function here.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'data/',
      'client/dist/',
      'tests/bench/results/',
      'tests/render/**/*.png',
      '**/*.json',
      '**/*.md',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // shared: the domain rules, the layer schema, EPSG:27700 — pure, used by server and browser alike
    files: ['shared/**/*.ts', 'layers/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', noIo] },
  },
  {
    // the renderer draws what it is given: the maps module gathers the data
    files: ['server/render/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_PACKAGES.filter((p) => p !== 'sharp' && p !== 'pino').map((name) => ({
            name,
            message: 'server/render/ is a pure drawing library: it runs no queries.',
          })),
          patterns: [
            {
              group: ['**/modules/**', '../modules/*'],
              message: 'server/render/ imports no module: server/modules/maps gathers what it draws.',
            },
          ],
        },
      ],
      'no-restricted-syntax': ['error', ...sqlOutsideRepo],
    },
  },
  {
    files: ['server/**/*.ts'],
    ignores: ['server/db/**', 'server/**/repo.ts', 'server/render/**'],
    rules: { 'no-restricted-syntax': ['error', ...sqlOutsideRepo] },
  },
  {
    // tests may type loosely and write over-precise literals on purpose (to probe rounding)
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-loss-of-precision': 'off' },
  },
  {
    // the browser client may use shared/, never the server
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/server/**'], message: 'The client may import shared/, never server/.' }] },
      ],
    },
  },
);
