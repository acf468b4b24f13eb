/** The copyright and licence statement of a sheet, built once from the sources drawn (issue 14 item 4):
 *  - the authority's own statement (authority.copyright_statement), its Crown copyright year set to the document's;
 *  - the OS licence number (authority details) after the Crown copyright sentence;
 *  - each source drawn (layer attributions, OpenStreetMap when OSM data is drawn);
 *  split into sentences and deduplicated, so the Open Government Licence line or the Crown copyright appears once
 *  however many sources carry it. Pure. */

export interface CopyrightSources {
  /** the year the statement is dated (the document's year; the current year for a map drawn on its own) */
  year: number;
  /** the authority's own statement, as configured */
  authorityStatement: string | null;
  /** the authority's Ordnance Survey licence number (PSGA), e.g. AC0000012345 */
  osLicenceNumber: string | null;
  /** who holds the copyright in the plan itself, e.g. the council */
  copyrightOwner: string | null;
  /** OpenStreetMap data is drawn (property outlines or base layers) */
  osm: boolean;
  /** the attributions of the other sources drawn (layers), in drawing order */
  attributions: Array<string | null | undefined>;
}

export const OSM_ATTRIBUTION = '© OpenStreetMap contributors, ODbL.';

const CROWN = /©\s*Crown copyright(?:\s+and\s+database\s+rights?)?/i;
const CROWN_YEAR =
  /(©\s*Crown copyright(?:\s+and\s+database\s+rights?)?)(?:\s+(?:19|20)\d{2}(?:\s*[-–]\s*(?:19|20)?\d{2,4})?)?/gi;
const OSM = /openstreetmap/i;

/** Sentences of a statement: split after a full stop followed by a space and a capital, ©, or "(". */
export function sentencesOf(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .split(/(?<=\.)\s+(?=[A-Z©(])/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (/[.!?)]$/.test(s) ? s : `${s}.`));
}

const keyOf = (s: string) =>
  s
    .toLowerCase()
    .replace(/[.\s]+$/, '')
    .replace(/\s+/g, ' ');

/** The statement's sentences, in order, each once. */
export function copyrightStatement(src: CopyrightSources): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let crownAt = -1;
  let osmAt = -1;
  const push = (s: string) => {
    const k = keyOf(s);
    if (seen.has(k)) return;
    // one Crown copyright sentence ("Contains OS data …" and "Contains Ordnance Survey data …" say the same)
    if (CROWN.test(s)) {
      if (crownAt >= 0) return;
      crownAt = out.length;
    }
    // one OpenStreetMap sentence
    if (OSM.test(s)) {
      if (osmAt >= 0) return;
      osmAt = out.length;
    }
    seen.add(k);
    out.push(s);
  };
  const dated = (s: string) => s.replace(CROWN_YEAR, `$1 ${src.year}`);
  if (src.copyrightOwner?.trim()) push(`© ${src.copyrightOwner.trim()} ${src.year}.`);
  for (const s of sentencesOf(src.authorityStatement ?? '')) push(dated(s));
  for (const a of src.attributions) for (const s of sentencesOf(a ?? '')) push(dated(s));
  if (src.osm) push(OSM_ATTRIBUTION);
  const licence = src.osLicenceNumber?.trim();
  if (licence) {
    if (crownAt < 0) {
      crownAt = out.length;
      out.push(`Contains OS data © Crown copyright and database right ${src.year}.`);
    }
    const crown = out[crownAt]!;
    if (!crown.includes(licence)) out[crownAt] = `${crown.replace(/\.$/, '')}. Licence number ${licence}.`;
  }
  return out;
}
