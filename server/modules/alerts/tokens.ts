/**
 * Alert tokens. Only their SHA-256 hashes are stored. The confirm token is random and sent once; the unsubscribe
 * token is derived (HMAC-SHA256 with the server's secret) from a random nonce stored with the subscription, so
 * every alert email can carry the same link again without the token itself being stored. Changing the secret
 * (SESSION_SECRET) makes unsubscribe links already sent stop working.
 */
import crypto from 'node:crypto';

export const hashToken = (token: string) => crypto.createHash('sha256').update(token, 'utf8').digest('hex');

export const newConfirmToken = () => crypto.randomBytes(32).toString('base64url');

export const newNonce = () => crypto.randomBytes(18).toString('base64url');

export const unsubscribeToken = (secret: string, nonce: string) =>
  crypto.createHmac('sha256', secret).update(`alert-unsubscribe:${nonce}`, 'utf8').digest('base64url');

/** A token as it may appear in a URL: base64url, 20 to 100 characters. */
export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;
