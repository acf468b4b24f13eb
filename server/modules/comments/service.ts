/** Comments on planning applications: a resident comments (kept private: name, address, postcode, email), the
 *  comment is acknowledged through the Notifier, staff redact and publish or reject it, and the public sees the
 *  (redacted) text and the street only, read from the view public_comment. */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.ts';
import { todayInUk } from '../../../shared/domain/documents.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import type { User } from '../users/service.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import type { Notifier } from '../notify/index.ts';
import * as repo from './repo.ts';
import { streetOfAddress, streetOfPostcode } from './street.ts';

export type { PublicApplicationRow, PublicCommentRow, Stance } from './repo.ts';

/** The longest comment a resident may send (characters). */
export const MAX_COMMENT_LENGTH = 6000;
export const STANCES = ['support', 'object', 'neutral'] as const;
export const STANCE_LABELS: Record<repo.Stance, string> = {
  support: 'Support',
  object: 'Object',
  neutral: 'Neutral (neither support nor object)',
};

/** The acknowledgement's Notify template. */
export const ACK_TEMPLATE = 'comment-acknowledgement';

export interface CommentService {
  db: Knex;
  authorityId: number;
  notifier: Notifier;
  /** key of the salted hash of client addresses (ip_hash) */
  ipSalt: string;
  log: Logger;
}

/** Published comments on an application, for its public page: only public_comment is read (the redacted text,
 *  the stance, the street and when it was published; never a name, an email or a house number). */
export async function listPublishedComments(db: Knex, applicationId: number): Promise<repo.PublicCommentRow[]> {
  return repo.listPublicComments(db, applicationId);
}

/** A published application, from public_application (null: none, or not published). */
export async function findCommentableApplication(db: Knex, authorityId: number, slug: string) {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(slug)) return null;
  return repo.findPublicApplication(db, authorityId, slug);
}

/** Whether a comment made today is late: after the last day of the consultation. An unknown end is not late. */
export function isLate(consultationEndDate: string | null, today: string): boolean {
  return consultationEndDate !== null && today > consultationEndDate;
}

const POSTCODE = /^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$/;
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The comment form's fields (the honeypot "website" is checked separately). */
export const CommentForm = z.object({
  name: z
    .string({ error: 'Enter your name' })
    .transform(oneLine)
    .pipe(z.string().min(1, 'Enter your name').max(200, 'Your name must be 200 characters or fewer')),
  address: z
    .string({ error: 'Enter your address' })
    .transform((s) => s.trim())
    .pipe(z.string().min(1, 'Enter your address').max(500, 'Your address must be 500 characters or fewer')),
  postcode: z
    .string({ error: 'Enter your postcode' })
    .transform((s) => oneLine(s).toUpperCase())
    .pipe(
      z
        .string()
        .min(1, 'Enter your postcode')
        .regex(POSTCODE, 'Enter a real postcode, like SE1 2QH')
        .transform((p) => p.replace(/^(.*?) ?([0-9][A-Z]{2})$/, '$1 $2')),
    ),
  email: z
    .string({ error: 'Enter your email address' })
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .min(1, 'Enter your email address')
        .max(254, 'Your email address must be 254 characters or fewer')
        .email('Enter an email address in the correct format, like name@example.com'),
    ),
  stance: z.enum(STANCES, { error: 'Select whether you support, object or are neutral' }),
  comment: z
    .string({ error: 'Enter your comment' })
    .transform((s) => s.replace(/\r\n/g, '\n').trim())
    .pipe(
      z
        .string()
        .min(1, 'Enter your comment')
        .max(
          MAX_COMMENT_LENGTH,
          `Your comment must be ${MAX_COMMENT_LENGTH.toLocaleString('en-GB')} characters or fewer`,
        ),
    ),
});
export type CommentInput = z.infer<typeof CommentForm>;
export type FieldErrors = Partial<Record<keyof CommentInput, string>>;

export function parseCommentForm(body: unknown): { input: CommentInput } | { errors: FieldErrors } {
  const r = CommentForm.safeParse(body ?? {});
  if (r.success) return { input: r.data };
  const errors: FieldErrors = {};
  for (const i of r.error.issues) {
    const f = i.path[0] as keyof CommentInput;
    errors[f] ??= i.message;
  }
  return { errors };
}

/** Lower case, letters and digits only, single spaces: the same comment re-sent with other spacing is the same. */
export function textHash(text: string): string {
  const norm = text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return crypto.createHash('sha256').update(norm).digest('hex');
}

/** A salted hash of the client's address: enough to tell the same client again, never the address. */
export function ipHash(salt: string, ip: string): string {
  return crypto.createHmac('sha256', salt).update(`comment-ip:${ip}`).digest('hex');
}

const PUBLIC_ACTOR: Actor = { id: null, username: 'public' };

export class DuplicateComment extends Error {}

/** Stores a resident's comment (late when after the consultation) and acknowledges it. Personal details go to the
 *  comment table only: not to the audit log, not to a log line. */
export async function submitComment(
  svc: CommentService,
  app: repo.PublicApplicationRow,
  input: CommentInput,
  client: { ip: string; now: Date; requestId?: string },
): Promise<{ id: number; late: boolean }> {
  const hash = textHash(input.comment);
  const ip = ipHash(svc.ipSalt, client.ip);
  const late = isLate(app.consultationEndDate, todayInUk(client.now));
  let street = streetOfAddress(input.address);
  street ??= streetOfPostcode(await repo.addressLinesAtPostcode(svc.db, svc.authorityId, input.postcode));
  const id = await svc.db.transaction(async (trx) => {
    // one comment at a time per application and text, so two copies sent at once cannot both pass the check
    await repo.lockCommentText(trx, app.id, hash);
    if (await repo.duplicateExists(trx, app.id, hash, input.email, ip)) throw new DuplicateComment();
    const row = await repo.insertComment(trx, {
      caseId: app.id,
      authorityId: svc.authorityId,
      name: input.name,
      address: input.address,
      postcode: input.postcode,
      email: input.email,
      stance: input.stance,
      text: input.comment,
      textHash: hash,
      street,
      late,
      ipHash: ip,
    });
    await writeAudit(trx, {
      actor: PUBLIC_ACTOR,
      action: 'comment.receive',
      entityType: 'comment',
      entityId: row.id,
      after: { caseId: app.id, stance: input.stance, late, length: input.comment.length },
      ...(client.requestId ? { requestId: client.requestId } : {}),
    });
    return row.id;
  });
  await acknowledge(svc, app, id, input, late);
  return { id, late };
}

/** The acknowledgement: sent after the comment is stored; a failure to send is logged (without the address) and
 *  leaves ack_sent_at empty, the comment stays accepted. */
async function acknowledge(
  svc: CommentService,
  app: repo.PublicApplicationRow,
  id: number,
  input: CommentInput,
  late: boolean,
) {
  try {
    await svc.notifier.send({
      template: ACK_TEMPLATE,
      to: input.email,
      personalisation: {
        name: input.name,
        reference: app.reference,
        site_address: app.siteAddress ?? '',
        stance: STANCE_LABELS[input.stance],
        comment: input.comment,
        late: late ? 'yes' : 'no',
        consultation_end_date: app.consultationEndDate ?? '',
      },
      reference: `comment-${id}`,
    });
    await repo.markAcknowledged(svc.db, id);
  } catch (e) {
    svc.log.error({ commentId: id, err: e instanceof Error ? e.message : String(e) }, 'comment acknowledgement failed');
  }
}

/* ---------- staff ---------- */

const PARTY_READERS: readonly string[] = PERMISSIONS.partyRead;

/** A comment as staff see it: name, address, postcode and email only for roles that see personal details; the
 *  others see the stance, the street, the dates and the text only once it is published (the text as received may
 *  name people: that is what redaction is for). */
export function staffCommentView(c: repo.StaffCommentRow, user: User) {
  const personal = PARTY_READERS.includes(user.role);
  const publicText = c.status === 'published' ? (c.redactedText ?? c.text) : null;
  return {
    id: c.id,
    caseId: c.caseId,
    stance: c.stance,
    status: c.status,
    late: c.late,
    street: c.street,
    receivedAt: c.receivedAt,
    publishedAt: c.publishedAt,
    publishedBy: c.publishedBy,
    statusReason: c.statusReason,
    statusChangedAt: c.statusChangedAt,
    statusChangedBy: c.statusChangedBy,
    acknowledgedAt: c.ackSentAt,
    publishedText: publicText,
    ...(personal
      ? {
          text: c.text,
          redactedText: c.redactedText,
          commenter: { name: c.name, address: c.address, postcode: c.postcode, email: c.email },
        }
      : {}),
  };
}
export type StaffCommentView = ReturnType<typeof staffCommentView>;

async function assertApplication(db: Knex, authorityId: number, caseId: number) {
  const kind = await repo.caseKind(db, authorityId, caseId);
  if (!kind) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${caseId}.`, { id: caseId });
  return kind;
}

export async function listCaseComments(db: Knex, authorityId: number, user: User, caseId: number) {
  const kind = await assertApplication(db, authorityId, caseId);
  if (kind !== 'application') return { items: [], total: 0 };
  const rows = await repo.listCaseComments(db, caseId);
  const items = rows.map((c) => staffCommentView(c, user));
  return {
    items,
    total: items.length,
    new: items.filter((c) => c.status === 'new').length,
  };
}

export const CommentDecision = z
  .object({
    status: z.enum(['published', 'rejected']),
    /** the text to publish instead of the comment as received (null: publish it as received) */
    redactedText: z.string().trim().min(1).max(10000).nullable().optional(),
    reason: z.string().trim().min(1).max(500),
  })
  .strict();
export type CommentDecisionInput = z.infer<typeof CommentDecision>;

/** Publish (optionally redacted) or reject a comment: one transaction with its audit row. */
export async function decideComment(
  db: Knex,
  authorityId: number,
  user: User,
  caseId: number,
  commentId: number,
  input: CommentDecisionInput,
  requestId?: string,
) {
  if (!PERMISSIONS.applicationWrite.includes(user.role as never))
    throw new AppError(
      'FORBIDDEN',
      `Only ${PERMISSIONS.applicationWrite.join(', ')} may publish or reject comments; you are signed in as ${user.role}.`,
      { required: PERMISSIONS.applicationWrite, role: user.role },
    );
  await assertApplication(db, authorityId, caseId);
  await db.transaction(async (trx) => {
    const before = await repo.findCaseComment(trx, caseId, commentId, true);
    if (!before)
      throw new AppError('NOT_FOUND', `There is no comment ${commentId} on case ${caseId}.`, { caseId, commentId });
    // a "redaction" that is the text as received is no redaction
    const redactedText = input.redactedText === before.text ? null : input.redactedText;
    await repo.setCommentStatus(
      trx,
      commentId,
      { status: input.status, reason: input.reason, userId: user.id, redactedText },
      before.status === 'published',
    );
    await writeAudit(trx, {
      actor: { id: user.id, username: user.username },
      action: input.status === 'published' ? 'comment.publish' : 'comment.reject',
      entityType: 'comment',
      entityId: commentId,
      // no personal details and not the text as received: the status, the redaction and why
      before: { caseId, status: before.status, redacted: before.redactedText !== null },
      after: {
        caseId,
        status: input.status,
        redacted: redactedText !== undefined ? redactedText !== null : before.redactedText !== null,
        ...(redactedText !== undefined ? { redactedText } : {}),
        reason: input.reason,
      },
      ...(requestId ? { requestId } : {}),
    });
  });
  const row = await repo.findCaseComment(db, caseId, commentId);
  return staffCommentView(row!, user);
}
