/** SQL statements live in sql/queries/*.sql, each with a header naming its parameters (with units and SRID)
 *  and output columns. Values are always bound (knex named bindings), never spliced into the text. */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../config/index.ts';

const cache = new Map<string, string>();

export function sqlQuery(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    // whole-line comments (the header) go: knex would read the :names in them as bindings
    text = fs
      .readFileSync(path.join(repoRoot, 'sql', 'queries', `${name}.sql`), 'utf8')
      .split('\n')
      .filter((line) => !/^\s*--/.test(line))
      .join('\n');
    cache.set(name, text);
  }
  return text;
}
