import { Router } from 'express';
import { z } from 'zod';
import { checkVersion, etagOf, ifMatchOf } from '../../http/if-match.ts';
import type { AppContext } from '../../http/context.ts';
import { actorOf } from '../../http/context.ts';
import { parseBody, parseQuery } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS, ROLES } from '../../../shared/roles.ts';
import { intId } from '../../http/params.ts';
import { listAudit } from '../audit/audit.ts';
import * as users from './service.ts';

const Username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'use 2–64 lower-case letters, digits, . _ -');
const Password = z.string().min(12, 'must be at least 12 characters').max(1024);
export const CreateUser = z
  .object({
    username: Username,
    displayName: z.string().trim().min(1).max(200).optional(),
    role: z.enum(ROLES),
    password: Password.optional(),
  })
  .strict();
export const UpdateUser = z
  .object({
    displayName: z.string().trim().min(1).max(200).optional(),
    role: z.enum(ROLES).optional(),
    disabled: z.boolean().optional(),
    password: Password.optional(),
    /** the officer's contact printed on letters as the case officer's (null clears it) */
    email: z.string().trim().email().max(200).nullable().optional(),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9][0-9 ()-]{5,30}$/, 'a phone number, e.g. 020 7525 5403')
      .nullable()
      .optional(),
  })
  .strict();
export const CreateToken = z.object({ name: z.string().trim().min(1).max(100) }).strict();
const AuditQuery = z
  .object({
    entityType: z.string().max(40).optional(),
    entityId: z.string().max(40).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

const userId = (raw: string | string[] | undefined) => intId(raw, 'USER_NOT_FOUND', 'user');
const tokenId = (raw: string | string[] | undefined) => intId(raw, 'NOT_FOUND', 'token');

export function userRoutes(ctx: AppContext) {
  const r = Router();
  r.get('/api/users', requireRole(...PERMISSIONS.userAdmin), async (_req, res) => {
    res.json({ items: await users.listUsersWithVersions(ctx.db) });
  });
  /** One account; ETag "v<version>" for a PATCH's If-Match. */
  r.get('/api/users/:id', requireRole(...PERMISSIONS.userAdmin), async (req, res) => {
    const u = await users.getUserWithVersion(ctx.db, userId(req.params.id));
    res.setHeader('ETag', etagOf(u.version)).json({ user: u });
  });
  r.post('/api/users', requireRole(...PERMISSIONS.userAdmin), async (req, res) => {
    const input = parseBody(CreateUser, req.body);
    const password = input.password ?? users.generatePassword();
    const user = await users.createUser(ctx.db, actorOf(req.user!), { ...input, password }, req.requestId);
    // a generated password is shown once, to the admin who created the account
    res.status(201).json({ user, ...(input.password ? {} : { password }) });
  });
  /** If-Match "v<version>" required: 428 without, 412 when the account changed since it was read. */
  r.patch('/api/users/:id', requireRole(...PERMISSIONS.userAdmin), async (req, res) => {
    const id = userId(req.params.id);
    const body = parseBody(UpdateUser, req.body);
    const expected = ifMatchOf(req, 'user');
    if (expected === null) checkVersion('user', (await users.getUserWithVersion(ctx.db, id)).version, null);
    const user = await users.updateUser(ctx.db, actorOf(req.user!), id, body, req.requestId, expected);
    res.setHeader('ETag', etagOf(user.version)).json({ user });
  });
  r.post('/api/users/:id/tokens', requireRole(...PERMISSIONS.userAdmin), async (req, res) => {
    const { name } = parseBody(CreateToken, req.body);
    res
      .status(201)
      .json(await users.createToken(ctx.db, actorOf(req.user!), userId(req.params.id), name, req.requestId));
  });
  r.delete('/api/tokens/:id', requireRole(...PERMISSIONS.userAdmin), async (req, res) => {
    await users.revokeToken(ctx.db, actorOf(req.user!), tokenId(req.params.id), req.requestId);
    res.status(204).end();
  });
  r.get('/api/audit', requireRole(...PERMISSIONS.auditRead), async (req, res) => {
    res.json({ items: await listAudit(ctx.db, parseQuery(AuditQuery, req.query)) });
  });
  return r;
}
