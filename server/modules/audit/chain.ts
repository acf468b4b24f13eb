/**
 * The audit trail's hash chain (migration 0032): each sealed row's hash covers the previous row's hash and its own
 * content, so a row changed or removed by anyone who got round the database's refusals (a superuser, a restored
 * file edited by hand) breaks the chain at that row. Rows are sealed a few seconds after they commit, by a timer in
 * the server and by `audit:verify` before it checks.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { auditChainHead, auditChainState, sealAudit, type ChainState } from './repo.ts';

export type { ChainState } from './repo.ts';

/** Seals everything committed so far (in batches); returns how many rows it sealed. */
export async function sealAll(db: Knex): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await sealAudit(db, 10_000);
    total += n;
    if (n < 10_000) return total;
  }
}

/** Seals, then checks every link. */
export async function verifyAuditChain(db: Knex): Promise<ChainState> {
  await sealAll(db);
  return auditChainState(db);
}

/** A sentence for a person: the chain holds, or where it breaks. */
export function describeChain(s: ChainState): string {
  if (s.broken) {
    const why =
      s.broken.reason === 'missing-before'
        ? 'the row before it in the chain is missing (deleted)'
        : 'its content no longer matches its hash (changed after it was written)';
    return `The audit chain is BROKEN at link ${s.broken.seq} (audit row ${s.broken.id}): ${why}.`;
  }
  const head = s.head ? ` Newest link ${s.head.seq} (audit row ${s.head.id}), hash ${s.head.hash}.` : '';
  return `The audit chain holds: ${s.sealed.toLocaleString('en-GB')} rows sealed, ${s.unsealed} waiting.${head}`;
}

/** Every `seconds`, seals new audit rows and logs the newest link (an anchor kept outside the database). */
export function startAuditSealer(db: Knex, seconds: number, log: Logger): { stop(): void } {
  if (!seconds) return { stop() {} };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sealAll(db)
      .then(async (n) => {
        if (!n) return;
        const head = await auditChainHead(db);
        if (head) log.info({ sealed: n, seq: head.seq, hash: head.hash }, 'audit rows sealed into the chain');
      })
      .catch((e: unknown) => log.warn({ err: e }, 'could not seal audit rows (will try again)'))
      .finally(() => (running = false));
  }, seconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
