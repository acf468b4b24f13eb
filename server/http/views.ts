/**
 * Server-rendered pages: nunjucks with GOV.UK Frontend's templates and macros. Every page works without
 * JavaScript; the client bundle (linked from Vite's manifest) enhances it. Each response carries its own CSP
 * nonce (res.locals.cspNonce), which the GOV.UK template puts on its one inline script and we put on ours.
 */
import path from 'node:path';
import type { Response } from 'express';
import nunjucks from 'nunjucks';
import { repoRoot } from '../config/index.ts';
import { readClientManifest, type EntryAssets } from './client-build.ts';
import { PERMISSIONS } from '../../shared/roles.ts';
import { addFormTokens } from './cross-site.ts';

export interface Views {
  render(res: Response, template: string, data: Record<string, unknown>, entry?: 'staff' | 'register'): void;
}

export function createViews(opts: { serviceName: string }): Views {
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader(
      [path.join(repoRoot, 'server', 'views'), path.join(repoRoot, 'node_modules', 'govuk-frontend', 'dist')],
      { noCache: false },
    ),
    { autoescape: true, throwOnUndefined: false },
  );
  // the role lists, for what a page offers to whom (the header's staff navigation)
  env.addGlobal('PERMISSIONS', PERMISSIONS);
  let manifest: Record<string, EntryAssets> | null = null;
  return {
    render(res, template, data, entry = 'staff') {
      manifest ??= readClientManifest();
      const html = env.render(template, {
        serviceName: opts.serviceName,
        assetPath: '/assets/govuk',
        cspNonce: res.locals.cspNonce,
        assets: manifest[entry] ?? { scripts: [], styles: [] },
        user: res.req.user,
        ...data,
      });
      // a signed-in session's form token in every POST form (./cross-site.ts)
      res.type('html').send(addFormTokens(html, res.locals.csrfToken as string | undefined));
    },
  };
}
