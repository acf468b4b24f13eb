/** Words for the public pages: code-list values as plain English, dates as "4 March 2024". */
export const KIND_LABEL: Record<string, string> = {
  'site-notice': 'Site notice',
  'neighbour-letters': 'Letters to neighbours',
  'press-advert': 'Newspaper advert',
  website: 'Published on the council website',
  'owner-notice': 'Notice to the owner',
};

/** 'under-assessment' -> 'Under assessment', 'receivedFrom' -> 'Received from'. */
export function humanise(v: unknown): string {
  const s = String(v ?? '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/-/g, ' ')
    .toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** 'YYYY-MM-DD' -> '4 March 2024' (empty for none). */
// one formatter made once: toLocaleDateString builds a new one (ICU) on every call, a measurable share of a page
const LONG_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

export function formatDate(v: unknown): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return '';
  return LONG_DATE.format(new Date(v + 'T00:00:00Z'));
}

/** The GOV.UK tag colour for an application status (the map uses the same colours). */
export function statusColour(status: string): string {
  if (status === 'decided') return 'green';
  if (status === 'withdrawn' || status === 'invalid') return 'grey';
  if (status === 'consultation') return 'yellow';
  if (status === 'appealed') return 'purple';
  return 'blue';
}

/** 37.2 -> '37 metres', 1530 -> '1.5 km' */
export function distanceText(m: number): string {
  return m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} metres`;
}
