/** Every route an Express 5 app serves (app.router.stack and nested routers), with the roles its requireRole declares. */
import type { Express } from 'express';
import { expect } from 'vitest';
import { rolesOf } from '../../server/modules/auth/middleware.ts';
import type { Role } from '../../shared/domain/cases.ts';

export interface RouteInfo {
  method: string;
  path: string;
  roles?: Role[];
}
interface LayerLike {
  slash?: boolean;
  /** the path a router is mounted at ('/ogc'), or a route's path */
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean>; stack: Array<{ handle: unknown }> };
  handle?: { stack?: LayerLike[] };
}

export function listRoutes(app: Express): RouteInfo[] {
  const out: RouteInfo[] = [];
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const declared = layer.route.stack.map((l) => rolesOf(l.handle)).filter((r): r is Role[] => Array.isArray(r));
        expect(declared.length, `${layer.route.path} has more than one requireRole`).toBeLessThanOrEqual(1);
        const full = prefix + (layer.route.path === '/' && prefix ? '' : layer.route.path);
        for (const [m, on] of Object.entries(layer.route.methods)) {
          if (on) out.push({ method: m.toUpperCase(), path: full, roles: declared[0] });
        }
      } else if (layer.handle?.stack) {
        // a router mounted at '/' lists its routes' own paths; one mounted under a prefix ('/ogc') adds the prefix
        const mount = layer.slash ? '' : layer.rawPath;
        expect(typeof mount, 'a router mounted at a pattern, not a plain path prefix').toBe('string');
        walk(layer.handle.stack, prefix + (mount as string));
      }
    }
  };
  walk(app.router.stack as unknown as LayerLike[], '');
  return out;
}
