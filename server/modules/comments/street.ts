/** The street of a commenter's address, for publication with their comment: the street name only, never a house
 *  number, flat or house name. Pure functions (no I/O). When the street cannot be told, null: nothing is published
 *  rather than something that might identify the house. */

/** Last words that make a part of an address a street ("Court", "Park", "House", "Cottage" are left out: they
 *  are as often the name of a building as of a street). */
const STREET_WORDS = new Set(
  [
    'road',
    'rd',
    'street',
    'st',
    'lane',
    'ln',
    'avenue',
    'ave',
    'close',
    'way',
    'drive',
    'dr',
    'place',
    'pl',
    'gardens',
    'grove',
    'terrace',
    'crescent',
    'hill',
    'row',
    'square',
    'sq',
    'walk',
    'rise',
    'mews',
    'green',
    'parade',
    'gate',
    'vale',
    'passage',
    'yard',
    'broadway',
    'embankment',
    'circus',
    'approach',
    'boulevard',
    'causeway',
    'highway',
    'wynd',
    'path',
  ].map((w) => w.toLowerCase()),
);

const FLAT = /^(flat|apartment|apt|unit|room|maisonette|studio)\.?\s+[0-9a-z]+[,\s]*/i;
const NUMBER = /^[0-9]+[a-z]?(\s*[-–/]\s*[0-9]+[a-z]?)?\s+/i;

/** "12a High Street" -> "High Street"; "Flat 3" -> null; "Rose Cottage" -> null; "London" -> null. */
export function streetOfPart(part: string): string | null {
  let p = part.trim().replace(/\s+/g, ' ');
  p = p.replace(FLAT, '');
  p = p.replace(NUMBER, '');
  if (!p || /[0-9]/.test(p)) return null;
  const words = p.split(' ');
  const last = words.at(-1)!.toLowerCase().replace(/\.$/, '');
  if (!STREET_WORDS.has(last) || words.length < 2 || words.length > 5) return null;
  return p;
}

/** The street of an address given as free text (lines separated by commas or new lines). */
export function streetOfAddress(address: string): string | null {
  for (const part of address.split(/[,\n\r]+/)) {
    const s = streetOfPart(part);
    if (s) return s;
  }
  return null;
}

/** The street most of a postcode's addresses are on (each address as its lines), or null. */
export function streetOfPostcode(addresses: readonly (readonly string[])[]): string | null {
  const counts = new Map<string, { name: string; n: number }>();
  for (const lines of addresses) {
    const s = streetOfAddress(lines.join(', '));
    if (!s) continue;
    const key = s.toLowerCase();
    const c = counts.get(key) ?? { name: s, n: 0 };
    c.n += 1;
    counts.set(key, c);
  }
  const best = [...counts.values()].sort((a, b) => b.n - a.n || a.name.localeCompare(b.name))[0];
  return best?.name ?? null;
}
