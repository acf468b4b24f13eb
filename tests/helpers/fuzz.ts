/** Bad input for the route walker (tests/http/fuzz-routes.test.ts) and the property tests: a corpus of values
 *  and mutations of a valid body, and the check that an answer gives nothing of the server away. */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Maps every leaf (string, number, boolean, null) of a JSON value; `path` is the leaf's key path. */
export function mapLeaves(value: Json, f: (leaf: Json, path: string[]) => Json, path: string[] = []): Json {
  if (Array.isArray(value)) {
    // a coordinate pair or triple is a leaf for the geometry mutations' purposes only (see withHeights)
    return value.map((v, i) => mapLeaves(v, f, [...path, String(i)]));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapLeaves(v, f, [...path, k])]));
  }
  return f(value, path);
}

const isPosition = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length >= 2 && v.length <= 4 && v.every((n) => typeof n === 'number');

/** Every coordinate position [x, y] gets the extra ordinates (a height, and a measure for 4D). */
export function withHeights(value: Json, extra: number[]): Json {
  if (isPosition(value)) return [...value.slice(0, 2), ...extra];
  if (Array.isArray(value)) return value.map((v) => withHeights(v, extra));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withHeights(v, extra)]));
  return value;
}

const DATE = /^\d{4}-\d{2}-\d{2}/;

/** Named mutations of a valid JSON body: each keeps the body's shape and breaks one thing everywhere. */
export const BODY_MUTATIONS: Record<string, (valid: Json) => Json> = {
  'NUL in every string': (v) => mapLeaves(v, (l) => (typeof l === 'string' ? `${l}\u0000x` : l)),
  'lone surrogate in every string': (v) => mapLeaves(v, (l) => (typeof l === 'string' ? `${l}\uD83D` : l)),
  'year 0000 dates': (v) => mapLeaves(v, (l) => (typeof l === 'string' && DATE.test(l) ? '0000-01-01' : l)),
  'year -0001 dates': (v) => mapLeaves(v, (l) => (typeof l === 'string' && DATE.test(l) ? '-0001-01-01' : l)),
  'dates as 2024-02-30 and datetimes': (v) =>
    mapLeaves(v, (l, p) =>
      typeof l === 'string' && DATE.test(l) ? (p.length % 2 ? '2024-02-30' : '+275760-09-13T00:00:00Z') : l,
    ),
  '3D coordinates': (v) => withHeights(v, [12.5]),
  '4D coordinates': (v) => withHeights(v, [12.5, 7]),
  'wrong types': (v) =>
    mapLeaves(v, (l) =>
      typeof l === 'string' ? 12345 : typeof l === 'number' ? 'twelve' : typeof l === 'boolean' ? 'yes' : { x: 1 },
    ),
  'huge numbers': (v) => mapLeaves(v, (l) => (typeof l === 'number' ? 1e308 : l)),
  'integers beyond 2^63': (v) => mapLeaves(v, (l) => (typeof l === 'number' ? 18446744073709551616 : l)),
  'negative and fractional numbers': (v) => mapLeaves(v, (l) => (typeof l === 'number' ? -0.5 : l)),
  'numeric strings and NaN text': (v) =>
    mapLeaves(v, (l) => (typeof l === 'number' ? 'NaN' : typeof l === 'string' ? '1e309' : l)),
  'very long strings': (v) => mapLeaves(v, (l) => (typeof l === 'string' ? 'x'.repeat(200_000) : l)),
  'SQL and path text': (v) =>
    mapLeaves(v, (l) => (typeof l === 'string' ? `'; DROP TABLE case_record; -- ../../etc/passwd %00 {{x}}` : l)),
  'nulls everywhere': (v) => mapLeaves(v, () => null),
  'empty strings and arrays': (v) => mapLeaves(v, (l) => (typeof l === 'string' ? '' : l)),
};

/** Whole bodies that are bad whatever the route: raw text sent as application/json. */
export function rawBodies(): Record<string, string> {
  const deep = 10_000;
  return {
    'empty object': '{}',
    'JSON null': 'null',
    'JSON array': '[1,2,3]',
    'JSON number': '42',
    'JSON string': '"x"',
    'array nested 10,000 deep': '['.repeat(deep) + ']'.repeat(deep),
    'object nested 10,000 deep': '{"a":'.repeat(deep) + '1' + '}'.repeat(deep),
    'keys with NUL and __proto__': '{"a\\u0000b":1,"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}',
    'duplicate keys': '{"kind":"application","kind":"enforcement"}',
    'truncated JSON': '{"kind": "applic',
  };
}

/** 20 MB of JSON text (one long string). */
export const twentyMegabytes = () => `{"description":"${'x'.repeat(20 * 1024 * 1024)}"}`;

/** Values put in place of a path parameter (already percent-encoded where needed). */
export const PATH_VALUES: string[] = [
  '..%2F..%2Fetc%2Fpasswd',
  '..',
  '%00',
  'a%00b',
  '%ED%A0%80', // a lone surrogate as UTF-8 bytes (invalid)
  '%E0%A4%A', // broken percent-encoding
  '9'.repeat(400),
  '-1',
  '0',
  '1.5',
  '1e3',
  '2147483648',
  'NaN',
  `${'a'.repeat(5000)}`,
  "1'%20OR%201=1--",
];

/** Values put in a query parameter (already percent-encoded). */
export const QUERY_VALUES: string[] = [
  'a%00b',
  '%ED%A0%80',
  '%F0%9F%8F%A0', // a whole emoji: fine
  '0000-01-01',
  '-0001-01-01',
  '9999-99-99',
  '1e309',
  '-1',
  '99999999999999999999',
  'NaN',
  'x'.repeat(10_000),
  '%5B%5D',
  '1,2,3,4,5,6,7,8,9,10,11',
  '',
];

/** What an answer must never hold: a server path, a stack trace, SQL or database error text, a GDAL driver list. */
const LEAKS: Array<[string, RegExp]> = [
  ['a filesystem path', /\/tmp\/|\/work\/|node_modules|\/home\/|\/usr\/(lib|share)\//],
  ['a stack trace', /\n\s+at [^\n]+[(\s][^\n]*:\d+:\d+\)?|at (async )?[A-Za-z.<>]+ \([^)]*\.(ts|js):\d+/],
  [
    'SQL text',
    /\b(SELECT\s+[\w*"]+[^]{0,200}\bFROM\b|INSERT INTO\b|UPDATE\s+\w+\s+SET\b|DELETE FROM\b)|syntax error at or near|violates (not-null|check|foreign key|unique) constraint|invalid input syntax for|out of range for type|relation "\w+" does not exist/,
  ],
  ['a GDAL driver list', /following drivers|->\s*`?(GPKG|PCIDSK|netCDF)/],
];

export function leakIn(text: string): string | null {
  for (const [what, re] of LEAKS) {
    const m = re.exec(text);
    if (m) return `${what}: …${text.slice(Math.max(0, m.index - 60), m.index + 100)}…`;
  }
  return null;
}
