/**
 * Place search over the loaded address points (GET /api/places): postcodes, streets, street and number, UPRNs.
 * Indexes: sql/migrations/0017_place_search.sql (place_postcode_key, place_search_text with pg_trgm).
 */
import type { Knex } from 'knex';

export type BBox = [number, number, number, number];

export interface AddressHit {
  uprn: string;
  label: string;
  x: number;
  y: number;
  bbox: BBox | null;
}

export interface GroupHit {
  label: string;
  count: number;
  x: number;
  y: number;
  bbox: BBox;
}

interface AddressRow {
  uprn: string;
  lines: string[];
  postcode: string | null;
  x: number;
  y: number;
  bx0: number | null;
  by0: number | null;
  bx1: number | null;
  by1: number | null;
}

const toHit = (r: AddressRow): AddressHit => ({
  uprn: String(r.uprn),
  label: [...r.lines.filter((l) => l && l.toUpperCase() !== 'LONDON' && l !== 'London'), r.postcode]
    .filter(Boolean)
    .join(', '),
  x: Number(r.x),
  y: Number(r.y),
  bbox: r.bx0 === null ? null : [Number(r.bx0), Number(r.by0), Number(r.bx1), Number(r.by1)],
});

// the address with its property outline's box (the smallest outline that lists its UPRN, else contains it)
const ADDRESS_SELECT = `
  SELECT a.uprn::text AS uprn, a.address_lines AS lines, a.postcode, ST_X(a.geom) AS x, ST_Y(a.geom) AS y,
         ST_XMin(p.geom) AS bx0, ST_YMin(p.geom) AS by0, ST_XMax(p.geom) AS bx1, ST_YMax(p.geom) AS by1
  FROM address a
  LEFT JOIN LATERAL (
    SELECT pr.geom FROM property pr
    WHERE pr.uprns @> ARRAY[a.uprn] OR ST_Intersects(pr.geom, a.geom)
    ORDER BY (pr.uprns @> ARRAY[a.uprn]) DESC, ST_Area(pr.geom) LIMIT 1
  ) p ON true`;

/** One address by UPRN. */
export async function addressByUprn(db: Knex, uprn: string): Promise<AddressHit[]> {
  const r = await db.raw<{ rows: AddressRow[] }>(`${ADDRESS_SELECT} WHERE a.uprn = ?::bigint`, [uprn]);
  return r.rows.map(toHit);
}

/** The addresses of one full postcode (key: upper case, no spaces), in address order. */
export async function addressesInPostcode(db: Knex, key: string, limit: number): Promise<AddressHit[]> {
  const r = await db.raw<{ rows: AddressRow[] }>(
    `${ADDRESS_SELECT} WHERE place_postcode_key(a.postcode) = ?
     ORDER BY a.address_lines[array_length(a.address_lines, 1) - 1], a.address_lines, a.uprn LIMIT ?`,
    [key, limit],
  );
  return r.rows.map(toHit);
}

/**
 * Postcodes that start with `outward` followed by `rest` (a sector digit, or nothing) once spaces are gone:
 * grouped by postcode, with the number of addresses, centre and extent.
 */
export async function postcodeGroups(db: Knex, outward: string, rest: string, limit: number): Promise<GroupHit[]> {
  const r = await db.raw<{ rows: Array<GroupHit & { x0: number; y0: number; x1: number; y1: number }> }>(
    `SELECT min(a.postcode) AS label, count(*)::int AS count,
            ST_X(ST_Centroid(ST_Collect(a.geom))) AS x, ST_Y(ST_Centroid(ST_Collect(a.geom))) AS y,
            ST_XMin(ST_Extent(a.geom)) AS x0, ST_YMin(ST_Extent(a.geom)) AS y0,
            ST_XMax(ST_Extent(a.geom)) AS x1, ST_YMax(ST_Extent(a.geom)) AS y1
     FROM address a
     WHERE place_postcode_key(a.postcode) LIKE ? AND length(place_postcode_key(a.postcode)) - 3 = ?
     GROUP BY place_postcode_key(a.postcode) ORDER BY place_postcode_key(a.postcode) LIMIT ?`,
    [`${outward}${rest}%`, outward.length, limit],
  );
  return r.rows.map(groupOf);
}

/** The whole of an outward code or sector as one area (all its addresses' extent). */
export async function postcodeArea(db: Knex, outward: string, rest: string): Promise<GroupHit | null> {
  const r = await db.raw<{ rows: Array<GroupHit & { x0: number; y0: number; x1: number; y1: number }> }>(
    `SELECT count(*)::int AS count,
            ST_X(ST_Centroid(ST_Collect(a.geom))) AS x, ST_Y(ST_Centroid(ST_Collect(a.geom))) AS y,
            ST_XMin(ST_Extent(a.geom)) AS x0, ST_YMin(ST_Extent(a.geom)) AS y0,
            ST_XMax(ST_Extent(a.geom)) AS x1, ST_YMax(ST_Extent(a.geom)) AS y1
     FROM address a
     WHERE place_postcode_key(a.postcode) LIKE ? AND length(place_postcode_key(a.postcode)) - 3 = ?
     HAVING count(*) > 0`,
    [`${outward}${rest}%`, outward.length],
  );
  const row = r.rows[0];
  return row ? { ...groupOf(row), label: `${outward}${rest ? ` ${rest}` : ''}` } : null;
}

const groupOf = (g: GroupHit & { x0: number; y0: number; x1: number; y1: number }): GroupHit => ({
  label: g.label,
  count: Number(g.count),
  x: Number(g.x),
  y: Number(g.y),
  bbox: [Number(g.x0), Number(g.y0), Number(g.x1), Number(g.y1)],
});

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Addresses whose text holds every word of the query (case-insensitive); ranked: a line that starts with the
 * query, then a line that holds it, then the rest, each by trigram similarity.
 */
export async function addressesMatching(
  db: Knex,
  words: string[],
  phrase: string,
  limit: number,
): Promise<AddressHit[]> {
  if (!words.length) return [];
  const conds = words.map(() => `place_search_text(a.address_lines, a.postcode) LIKE ?`).join(' AND ');
  const p = likeEscape(phrase.toLowerCase());
  const r = await db.raw<{ rows: AddressRow[] }>(
    `${ADDRESS_SELECT} WHERE ${conds}
     ORDER BY
       (EXISTS (SELECT 1 FROM unnest(a.address_lines) l WHERE lower(l) LIKE ?)) DESC,
       (EXISTS (SELECT 1 FROM unnest(a.address_lines) l WHERE lower(l) LIKE ?)) DESC,
       similarity(place_search_text(a.address_lines, a.postcode), ?) DESC, a.address_lines, a.uprn
     LIMIT ?`,
    [...words.map((w) => `%${likeEscape(w.toLowerCase())}%`), `${p}%`, `%${p}%`, phrase.toLowerCase(), limit],
  );
  return r.rows.map(toHit);
}

/** Streets whose name holds the phrase: the address lines less their leading house number, grouped. */
export async function streetsMatching(db: Knex, phrase: string, limit: number): Promise<GroupHit[]> {
  const p = `%${likeEscape(phrase.toLowerCase())}%`;
  const r = await db.raw<{ rows: Array<GroupHit & { x0: number; y0: number; x1: number; y1: number }> }>(
    `WITH m AS (
       SELECT regexp_replace(l, '^(flat\\s+\\S+,{0,1}\\s+){0,1}[0-9][0-9a-z]*([-–][0-9][0-9a-z]*){0,1},{0,1}\\s+', '', 'i') AS street, a.geom
       FROM address a, unnest(a.address_lines) l
       WHERE place_search_text(a.address_lines, a.postcode) LIKE ? AND lower(l) LIKE ?
     )
     SELECT min(street) AS label, count(*)::int AS count,
            ST_X(ST_Centroid(ST_Collect(geom))) AS x, ST_Y(ST_Centroid(ST_Collect(geom))) AS y,
            ST_XMin(ST_Extent(geom)) AS x0, ST_YMin(ST_Extent(geom)) AS y0,
            ST_XMax(ST_Extent(geom)) AS x1, ST_YMax(ST_Extent(geom)) AS y1
     FROM m WHERE lower(street) LIKE ? AND street ~* '[a-z]' AND street !~ '^[0-9]'
     GROUP BY lower(street) ORDER BY (lower(min(street)) LIKE ?) DESC, count(*) DESC, lower(street) LIMIT ?`,
    [p, p, p, `${likeEscape(phrase.toLowerCase())}%`, limit],
  );
  return r.rows.map(groupOf);
}
