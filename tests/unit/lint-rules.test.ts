/**
 * The house rules in eslint.config.js fire: each boundary violation below, written into a real file of the layer
 * it breaks, is an error; the same code where it belongs is not.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/config/index.ts';

const eslint = new ESLint({ cwd: repoRoot });

async function ruleIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('eslint.config.js: the layers stay apart', () => {
  it('refuses knex, fs or a Node built-in in shared/ (domain rules run in the browser too)', async () => {
    for (const imp of ["import knex from 'knex';", "import fs from 'node:fs';", "import { Router } from 'express';"]) {
      const msgs = await ruleIds('shared/domain/cases.ts', `${imp}\nexport const x = 1;\n`);
      expect(msgs.join('\n'), imp).toMatch(/no-restricted-imports: .*shared\//);
    }
  });

  it('refuses an import of the server from shared/', async () => {
    const msgs = await ruleIds('shared/domain/cases.ts', "import { x } from '../../server/app.ts';\nexport { x };\n");
    expect(msgs.join('\n')).toMatch(/no-restricted-imports: .*must not import the server/);
  });

  it('refuses an import of a module from server/render/ (it draws what it is given)', async () => {
    const msgs = await ruleIds(
      'server/render/style.ts',
      "import { getLayer } from '../modules/layers/definitions.ts';\nexport { getLayer };\n",
    );
    expect(msgs.join('\n')).toMatch(/no-restricted-imports: .*server\/render\/ imports no module/);
  });

  it('refuses SQL text and knex calls in a service, and accepts them in its repo.ts', async () => {
    const code = [
      "import type { Knex } from 'knex';",
      "export const a = (db: Knex) => db.raw('SELECT 1');",
      "export const b = (db: Knex) => db('case_record').first('id');",
      'export const c = `SELECT * FROM case_record`;',
    ].join('\n');
    const inService = await ruleIds('server/modules/cases/service.ts', code);
    const said = inService.filter((m) => m.startsWith('no-restricted-syntax')).join('\n');
    expect(said).toMatch(/knex \.raw\(\) belongs in a repo\.ts/);
    expect(said).toMatch(/knex query building belongs in a repo\.ts/);
    // the 'SELECT 1' literal and the template literal
    expect(said.match(/SQL text lives in sql\/queries/g)).toHaveLength(2);
    const inRepo = await ruleIds('server/modules/cases/repo.ts', code);
    expect(inRepo.filter((m) => m.startsWith('no-restricted-syntax'))).toEqual([]);
  });

  it('does not mistake prose for SQL ("withinM", "Update the case")', async () => {
    const msgs = await ruleIds(
      'server/modules/cases/service.ts',
      "export const a = 'withinM';\nexport const b = 'Update the case';\nexport const c = 'Select a layer';\n",
    );
    expect(msgs).toEqual([]);
  });

  it('refuses a floating promise and an empty catch', async () => {
    const msgs = await ruleIds(
      'server/modules/cases/service.ts',
      'async function f() {}\nexport function g() {\n  f();\n  try {\n    g();\n  } catch {}\n}\n',
    );
    expect(msgs.join('\n')).toMatch(/@typescript-eslint\/no-floating-promises/);
    expect(msgs.join('\n')).toMatch(/no-empty/);
  });

  it('refuses an import of the server from the client', async () => {
    const msgs = await ruleIds(
      'client/src/shared/projection.ts',
      "import { buildApp } from '../../../server/app.ts';\nexport { buildApp };\n",
    );
    expect(msgs.join('\n')).toMatch(/The client may import shared\/, never server\//);
  });
});
