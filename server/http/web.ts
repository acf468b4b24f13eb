/** What the browser gets besides the API: the content security policy, and the client's static files. */
import path from 'node:path';
import express, { type Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { repoRoot } from '../config/index.ts';
import { CLIENT_OUT } from './client-build.ts';

const nonce = (_req: IncomingMessage, res: ServerResponse) => `'nonce-${(res as Response).locals.cspNonce as string}'`;

/**
 * Scripts only from this origin or carrying this response's nonce (GOV.UK Frontend's template puts it on its
 * inline `js-enabled` script; our module scripts carry it too). Map tiles and images drawn in the browser come
 * as blob: and data: URLs; OpenLayers sets element styles from script, which CSP does not restrict.
 */
export const contentSecurityPolicy = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", nonce],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  workerSrc: ["'self'", 'blob:'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * /assets/: the client bundle's content-hashed files (cached for a year, immutable: a new build has new names),
 * and GOV.UK Frontend's images under /assets/govuk/ (cached for a day: their names do not change).
 */
export function staticAssets() {
  const r = express.Router();
  r.use(
    '/assets/govuk',
    express.static(path.join(repoRoot, 'node_modules', 'govuk-frontend', 'dist', 'govuk', 'assets'), {
      maxAge: '1d',
      index: false,
    }),
  );
  r.use(
    '/assets',
    express.static(CLIENT_OUT, {
      index: false,
      immutable: true,
      maxAge: '365d',
      dotfiles: 'ignore',
    }),
  );
  return r;
}
