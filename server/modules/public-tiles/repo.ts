/**
 * The public vector tiles' SQL (sql/queries/public_tile_*.sql): tiles of the register's applications on the OS grid
 * (EPSG:27700) and in Web Mercator, and the current public data version. Reads ONLY the public views of
 * 0018_public_register.sql. Each statement runs as a named prepared statement, on whichever Knex it is given (the
 * read replica's, ctx.readDb, for public routes).
 */
import type { Knex } from 'knex';
import { preparedStatement, runPrepared, sqlQuery, type PreparedStatement } from '../../db/queries.ts';
import type { Envelope } from '../../../shared/os-tile-grid.ts';

const statements = new Map<string, PreparedStatement>();
function statement(file: string): PreparedStatement {
  let s = statements.get(file);
  if (!s) {
    s = preparedStatement(file, sqlQuery(file));
    statements.set(file, s);
  }
  return s;
}

export interface PublicTileRow {
  /** the current public data version */
  version: number;
  /** the tile (empty: nothing in it); null when the asked version is not the current one */
  mvt: Buffer | null;
}

/** One OS-grid tile of the register at `version` (made only when that is the current version). */
export async function readOsTile(
  db: Knex,
  envelope: Envelope,
  opts: { authorityId: number; version: number; sites: boolean },
): Promise<PublicTileRow> {
  const [minx, miny, maxx, maxy] = envelope;
  const rows = await runPrepared<PublicTileRow>(db, statement('public_tile_os27700'), {
    minx,
    miny,
    maxx,
    maxy,
    ...opts,
  });
  return rows[0]!;
}

/** One Web Mercator tile (z/x/y as ST_TileEnvelope) of the register at `version`. */
export async function readMercatorTile(
  db: Knex,
  tile: { z: number; x: number; y: number },
  opts: { authorityId: number; version: number; sites: boolean },
): Promise<PublicTileRow> {
  const rows = await runPrepared<PublicTileRow>(db, statement('public_tile_webmercator'), { ...tile, ...opts });
  return rows[0]!;
}

/** The register's current public data version. */
export async function publicDataVersion(db: Knex): Promise<number> {
  const rows = await runPrepared<{ version: number }>(db, statement('public_tile_version'), {});
  return Number(rows[0]!.version);
}
