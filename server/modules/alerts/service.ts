/**
 * Alerts (issue 13 item 3): a resident subscribes with an email address and a place (postcode, address, grid
 * reference or easting/northing) and a radius, or an area typed as vertices; a confirmation email is sent and
 * nothing else until its link is followed; matchAlerts claims new and newly published applications for
 * confirmed subscriptions in one SQL statement (sql/queries/alert_match.sql) and sendAlerts sends one email per
 * subscription, each with a one-click unsubscribe link. The email is never logged or shown on a public page.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { parsePlace, parseVertexList } from '../../../shared/place.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { addressByUprn, addressesMatching } from '../places/repo.ts';
import type { Notifier } from '../notify/index.ts';
import * as repo from './repo.ts';
import { hashToken, newConfirmToken, newNonce, TOKEN_SHAPE, unsubscribeToken } from './tokens.ts';

/** The radii offered, metres. */
export const ALERT_RADII = [100, 200, 500, 1000, 2000] as const;
/** The largest area a subscription may draw (25 km²) and the most vertices. */
export const MAX_AREA_M2 = 25_000_000;
export const MAX_AREA_VERTICES = 500;
/** Unconfirmed subscriptions for one address in a day beyond which no more confirmation emails are sent. */
export const MAX_UNCONFIRMED_PER_DAY = 3;
/** Applications listed in one alert email (the rest are counted, with a link to the register). */
export const MAX_LISTED = 30;

const PUBLIC_ACTOR: Actor = { id: null, username: 'public' };
const FULL_POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$/i;
const EMAIL = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]{2,}$/;

export interface AlertLinks {
  /** PUBLIC_BASE_URL */
  baseUrl: string;
  /** the server's secret the unsubscribe tokens are derived from */
  secret: string;
}

export interface AddressChoice {
  uprn: string;
  label: string;
}

export type PlaceAnswer =
  { ok: true; x: number; y: number; label: string } | { ok: false; message: string; choices?: AddressChoice[] };

/** Where a typed place is: a full postcode (its addresses' centre), a grid reference or coordinates, or an address
 *  (one match, or the one chosen by UPRN from several). */
export async function resolvePlace(db: Knex, text: string, uprn?: string): Promise<PlaceAnswer> {
  const typed = text.replace(/\s+/g, ' ').trim();
  if (uprn) {
    const [a] = await addressByUprn(db, uprn);
    if (a) return { ok: true, x: a.x, y: a.y, label: a.label };
  }
  if (!typed) return { ok: false, message: 'Enter a postcode, an address or a grid reference' };
  const pc = FULL_POSTCODE.exec(typed);
  if (pc) {
    const key = `${pc[1]}${pc[2]}`.toUpperCase();
    const found = await repo.postcodeCentre(db, key);
    if (found) return { ok: true, x: found.x, y: found.y, label: found.postcode };
    return { ok: false, message: `We do not know the postcode ${typed.toUpperCase()}: check it, or enter an address` };
  }
  const place = parsePlace(typed);
  if (place?.ok) return { ok: true, x: place.place.x, y: place.place.y, label: place.place.label };
  if (place) return { ok: false, message: place.message };
  const words = typed.split(' ').filter((w) => w.length > 0);
  const hits = await addressesMatching(db, words, typed, 11);
  if (hits.length === 1) return { ok: true, x: hits[0]!.x, y: hits[0]!.y, label: hits[0]!.label };
  if (hits.length === 0)
    return {
      ok: false,
      message: 'We could not find that place: enter a postcode (e.g. SE1 2QH), an address or a grid reference',
    };
  if (hits.length > 10)
    return { ok: false, message: 'More than 10 addresses match: add a house number, or enter your postcode' };
  return {
    ok: false,
    message: 'Several addresses match: select yours',
    choices: hits.map((h) => ({ uprn: h.uprn, label: h.label })),
  };
}

export interface SubscribeForm {
  email: string;
  place: string;
  uprn?: string;
  radius: string;
  /** optional: an area's vertices, one easting and northing (or grid reference) a line */
  area?: string;
}

export type SubscribeResult =
  | { ok: true; id: number; sent: boolean }
  | { ok: false; fieldErrors: Record<string, string>; choices?: AddressChoice[] };

export const areaDescription = (label: string, radiusM: number | null) =>
  radiusM === null
    ? `the area you drew (${label})`
    : `${radiusM >= 1000 ? `${radiusM / 1000} km` : `${radiusM} m`} of ${label}`;

export async function subscribe(
  db: Knex,
  notifier: Notifier,
  links: AlertLinks,
  authorityId: number,
  form: SubscribeForm,
  requestId?: string,
): Promise<SubscribeResult> {
  const fieldErrors: Record<string, string> = {};
  const email = form.email.trim();
  if (!email) fieldErrors.email = 'Enter your email address';
  else if (email.length > 254 || !EMAIL.test(email))
    fieldErrors.email = 'Enter an email address in the correct format, like name@example.com';

  let centre: { x: number; y: number; radiusM: number } | undefined;
  let area: Array<[number, number]> | undefined;
  let label = '';
  let choices: AddressChoice[] | undefined;
  const areaText = (form.area ?? '').trim();
  if (areaText) {
    const parsed = parseVertexList(areaText);
    if (!parsed.ok) fieldErrors.area = parsed.message;
    else if (parsed.vertices.length > MAX_AREA_VERTICES)
      fieldErrors.area = `An area may have at most ${MAX_AREA_VERTICES} corners`;
    else {
      const check = await repo.checkArea(db, parsed.vertices);
      if (!check.valid) fieldErrors.area = 'The area’s edges cross each other: list its corners in order around it';
      else if (check.areaM2 > MAX_AREA_M2) fieldErrors.area = 'The area is larger than 25 km²: draw a smaller one';
      else if (check.areaM2 <= 0) fieldErrors.area = 'The area has no size: give at least three corners';
      else {
        area = parsed.vertices;
        label = `${parsed.vertices.length} corners`;
      }
    }
  } else {
    const radius = Number(form.radius);
    if (!(ALERT_RADII as readonly number[]).includes(radius)) fieldErrors.radius = 'Select a distance';
    const place = await resolvePlace(db, form.place, form.uprn);
    if (!place.ok) {
      fieldErrors.place = place.message;
      choices = place.choices;
    } else if (!fieldErrors.radius) {
      centre = { x: place.x, y: place.y, radiusM: radius };
      label = place.label.slice(0, 300);
    }
  }
  if (Object.keys(fieldErrors).length || (!centre && !area)) return { ok: false, fieldErrors, choices };

  const confirmToken = newConfirmToken();
  const nonce = newNonce();
  const { id, recent } = await db.transaction(async (trx) => {
    const recent = await repo.recentUnconfirmedFor(trx, email);
    const id = await repo.insertSubscription(trx, {
      authorityId,
      email,
      label,
      centre,
      area,
      confirmTokenHash: hashToken(confirmToken),
      unsubscribeTokenHash: hashToken(unsubscribeToken(links.secret, nonce)),
      unsubscribeNonce: nonce,
    });
    await writeAudit(trx, {
      actor: PUBLIC_ACTOR,
      action: 'alert.subscribe',
      entityType: 'alert_subscription',
      entityId: id,
      after: { radiusM: centre?.radiusM ?? null, area: Boolean(area) },
      requestId,
    });
    return { id, recent };
  });
  // someone asking again and again for one address (or for someone else's) gets no more emails that day
  if (recent >= MAX_UNCONFIRMED_PER_DAY) return { ok: true, id, sent: false };
  await notifier.send({
    template: 'alert-confirm',
    to: email,
    personalisation: {
      confirm_url: `${links.baseUrl}/register/alerts/confirm/${confirmToken}`,
      area: areaDescription(label, centre?.radiusM ?? null),
    },
    reference: `alert-${id}-confirm`,
  });
  return { ok: true, id, sent: true };
}

export type TokenState = 'invalid' | 'pending' | 'confirmed' | 'unsubscribed';

const stateOf = (s: repo.SubscriptionRow | null): TokenState =>
  !s ? 'invalid' : s.unsubscribed_at ? 'unsubscribed' : s.confirmed_at ? 'confirmed' : 'pending';

export async function confirmState(db: Knex, token: string) {
  if (!TOKEN_SHAPE.test(token)) return { state: 'invalid' as TokenState, sub: null };
  const sub = await repo.subscriptionByConfirmHash(db, hashToken(token));
  return { state: stateOf(sub), sub };
}

export async function unsubscribeState(db: Knex, token: string) {
  if (!TOKEN_SHAPE.test(token)) return { state: 'invalid' as TokenState, sub: null };
  const sub = await repo.subscriptionByUnsubscribeHash(db, hashToken(token));
  return { state: stateOf(sub), sub };
}

/** Confirms the subscription the token names; its state afterwards. */
export async function confirm(db: Knex, token: string, requestId?: string): Promise<TokenState> {
  const { state, sub } = await confirmState(db, token);
  if (state !== 'pending' || !sub) return state;
  await db.transaction(async (trx) => {
    if (await repo.confirmSubscription(trx, sub.id))
      await writeAudit(trx, {
        actor: PUBLIC_ACTOR,
        action: 'alert.confirm',
        entityType: 'alert_subscription',
        entityId: sub.id,
        requestId,
      });
  });
  return 'confirmed';
}

/** Unsubscribes the subscription the token names (at once, whatever its state); its state afterwards. */
export async function unsubscribeByToken(db: Knex, token: string, requestId?: string): Promise<TokenState> {
  const { state, sub } = await unsubscribeState(db, token);
  if (state === 'invalid' || !sub) return 'invalid';
  await db.transaction(async (trx) => {
    if (await repo.unsubscribe(trx, sub.id))
      await writeAudit(trx, {
        actor: PUBLIC_ACTOR,
        action: 'alert.unsubscribe',
        entityType: 'alert_subscription',
        entityId: sub.id,
        requestId,
      });
  });
  return 'unsubscribed';
}

/** Claims new and newly published applications for confirmed subscriptions (one statement) and returns them,
 *  one entry per subscription. Each claimed application is never returned again for that subscription. */
export async function matchAlerts(db: Knex): Promise<repo.AlertMatch[]> {
  return repo.matchAndClaim(db);
}

export interface SendReport {
  emails: number;
  applications: number;
  failed: number;
}

const applicationLine = (baseUrl: string, a: repo.MatchedApplication) =>
  `* ${a.reference}: ${[a.address, a.proposal].filter(Boolean).join(' – ')} (${a.type ?? 'application'}, ${a.status}) ${baseUrl}/register/applications/${a.slug}`;

/** matchAlerts, then one email per subscription (template 'alert-new-applications'). An email that cannot be sent
 *  gives its applications back, for the next run. */
export async function sendAlerts(db: Knex, notifier: Notifier, links: AlertLinks, log?: Logger): Promise<SendReport> {
  const matches = await matchAlerts(db);
  const report: SendReport = { emails: 0, applications: 0, failed: 0 };
  for (const m of matches) {
    const apps = m.applications;
    const listed = apps.slice(0, MAX_LISTED);
    const more = apps.length - listed.length;
    const unsubscribeUrl = `${links.baseUrl}/register/alerts/unsubscribe/${unsubscribeToken(links.secret, m.unsubscribe_nonce)}`;
    try {
      await notifier.send({
        template: 'alert-new-applications',
        to: m.email,
        personalisation: {
          count: String(apps.length),
          area: areaDescription(m.label, m.radius_m),
          applications:
            listed.map((a) => applicationLine(links.baseUrl, a)).join('\n') +
            (more > 0 ? `\n* and ${more} more: ${links.baseUrl}/register` : ''),
          register_url: `${links.baseUrl}/register`,
          unsubscribe_url: unsubscribeUrl,
        },
        reference: `alert-${m.subscription_id}`,
        unsubscribeUrl,
      });
      report.emails++;
      report.applications += apps.length;
    } catch (e) {
      report.failed++;
      await repo.releaseClaims(
        db,
        m.subscription_id,
        apps.map((a) => a.id),
      );
      // the subscription's id and the error (which names no address), never the email
      log?.warn({ subscription: m.subscription_id, err: (e as Error).message }, 'alert email not sent');
    }
  }
  return report;
}

/** Runs sendAlerts every `minutes` (0: never); the first run one interval after start. */
export function startAlertTimer(
  db: Knex,
  notifier: Notifier,
  links: AlertLinks,
  minutes: number,
  log: Logger,
): { stop(): Promise<void> } {
  if (!(minutes > 0)) return { stop: async () => {} };
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = sendAlerts(db, notifier, links, log)
      .then((r) => {
        if (r.emails || r.failed) log.info(r, 'alerts sent');
      })
      .catch((e: unknown) => log.error({ err: (e as Error).message }, 'alerts run failed'))
      .finally(() => {
        running = null;
      });
  }, minutes * 60_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
