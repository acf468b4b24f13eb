/**
 * Alert subscriptions' SQL (tables of sql/migrations/0020_alerts.sql). The subscriber's email is personal data:
 * it leaves this module only for the Notifier.
 */
import type { Knex } from 'knex';
import { sqlQuery } from '../../db/queries.ts';

type Q = Knex | Knex.Transaction;

export interface NewSubscription {
  authorityId: number;
  email: string;
  label: string;
  centre?: { x: number; y: number; radiusM: number };
  /** a polygon's ring, EPSG:27700, closed or not */
  area?: Array<[number, number]>;
  confirmTokenHash: string;
  unsubscribeTokenHash: string;
  unsubscribeNonce: string;
}

export interface SubscriptionRow {
  id: number;
  label: string;
  radius_m: number | null;
  confirmed_at: Date | null;
  unsubscribed_at: Date | null;
  is_area: boolean;
}

const ringWkt = (ring: Array<[number, number]>) => {
  const closed = [...ring];
  const [fx, fy] = closed[0]!;
  const [lx, ly] = closed[closed.length - 1]!;
  if (fx !== lx || fy !== ly) closed.push([fx, fy]);
  return `POLYGON((${closed.map(([x, y]) => `${x} ${y}`).join(', ')}))`;
};

/** Whether a ring is a valid polygon, and its area in m². */
export async function checkArea(db: Q, ring: Array<[number, number]>): Promise<{ valid: boolean; areaM2: number }> {
  const { rows } = await db.raw<{ rows: Array<{ valid: boolean; area: number }> }>(
    `SELECT ST_IsValid(g) AS valid, ST_Area(g) AS area FROM ST_GeomFromText(?, 27700) g`,
    [ringWkt(ring)],
  );
  return { valid: rows[0]!.valid, areaM2: Number(rows[0]!.area) };
}

export async function insertSubscription(db: Q, s: NewSubscription): Promise<number> {
  const [row] = await db('alert_subscription')
    .insert({
      authority_id: s.authorityId,
      email: s.email,
      label: s.label,
      centre: s.centre ? db.raw('ST_SetSRID(ST_MakePoint(?, ?), 27700)', [s.centre.x, s.centre.y]) : null,
      radius_m: s.centre?.radiusM ?? null,
      area: s.area ? db.raw('ST_GeomFromText(?, 27700)', [ringWkt(s.area)]) : null,
      confirm_token_hash: s.confirmTokenHash,
      unsubscribe_token_hash: s.unsubscribeTokenHash,
      unsubscribe_nonce: s.unsubscribeNonce,
    })
    .returning<Array<{ id: number }>>('id');
  return row!.id;
}

/** Subscriptions asked for this address in the last day and not confirmed (to limit confirmation emails). */
export async function recentUnconfirmedFor(db: Q, email: string): Promise<number> {
  const { rows } = await db.raw<{ rows: Array<{ n: number }> }>(
    `SELECT count(*)::int AS n FROM alert_subscription
      WHERE lower(email) = lower(?) AND confirmed_at IS NULL AND created_at > now() - interval '1 day'`,
    [email],
  );
  return rows[0]!.n;
}

const SELECT_SUB = `SELECT id, label, radius_m, confirmed_at, unsubscribed_at, (area IS NOT NULL) AS is_area
                      FROM alert_subscription`;

export async function subscriptionByConfirmHash(db: Q, hash: string): Promise<SubscriptionRow | null> {
  const { rows } = await db.raw<{ rows: SubscriptionRow[] }>(`${SELECT_SUB} WHERE confirm_token_hash = ?`, [hash]);
  return rows[0] ?? null;
}

export async function subscriptionByUnsubscribeHash(db: Q, hash: string): Promise<SubscriptionRow | null> {
  const { rows } = await db.raw<{ rows: SubscriptionRow[] }>(`${SELECT_SUB} WHERE unsubscribe_token_hash = ?`, [hash]);
  return rows[0] ?? null;
}

/** Confirms (once; an unsubscribed subscription stays unsubscribed). True when this call confirmed it. */
export async function confirmSubscription(db: Q, id: number): Promise<boolean> {
  const n = await db('alert_subscription')
    .where({ id })
    .whereNull('confirmed_at')
    .whereNull('unsubscribed_at')
    .update({ confirmed_at: db.fn.now() });
  return n > 0;
}

/** Unsubscribes (once). True when this call unsubscribed it. */
export async function unsubscribe(db: Q, id: number): Promise<boolean> {
  const n = await db('alert_subscription')
    .where({ id })
    .whereNull('unsubscribed_at')
    .update({ unsubscribed_at: db.fn.now() });
  return n > 0;
}

/** A full postcode's centre (the mean of its address points, as public_postcode gives it). */
export async function postcodeCentre(db: Q, key: string): Promise<{ postcode: string; x: number; y: number } | null> {
  const { rows } = await db.raw<{ rows: Array<{ postcode: string; x: number; y: number }> }>(
    `SELECT postcode, x, y FROM public_postcode WHERE postcode_key = ?`,
    [key],
  );
  const r = rows[0];
  return r ? { postcode: r.postcode, x: Number(r.x), y: Number(r.y) } : null;
}

export interface MatchedApplication {
  id: number;
  reference: string;
  slug: string;
  address: string | null;
  proposal: string;
  type: string | null;
  status: string;
  received_date: string;
}

export interface AlertMatch {
  subscription_id: number;
  email: string;
  label: string;
  radius_m: number | null;
  unsubscribe_nonce: string;
  applications: MatchedApplication[];
}

/** sql/queries/alert_match.sql: claims and returns what to send (one statement). */
export async function matchAndClaim(db: Q): Promise<AlertMatch[]> {
  const { rows } = await db.raw<{ rows: AlertMatch[] }>(sqlQuery('alert_match'));
  return rows;
}

/** Gives claimed applications back (their email could not be sent), so the next run tries again. */
export async function releaseClaims(db: Q, subscriptionId: number, caseIds: number[]): Promise<void> {
  await db('alert_delivery').where({ subscription_id: subscriptionId }).whereIn('case_id', caseIds).delete();
}
