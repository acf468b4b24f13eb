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
  route?: { path: string; methods: Record<string, boolean>; stack: Array<{ handle: unknown }> };
  handle?: { stack?: LayerLike[] };
}

export function listRoutes(app: Express): RouteInfo[] {
  const out: RouteInfo[] = [];
  const walk = (stack: LayerLike[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const declared = layer.route.stack.map((l) => rolesOf(l.handle)).filter((r): r is Role[] => Array.isArray(r));
        expect(declared.length, `${layer.route.path} has more than one requireRole`).toBeLessThanOrEqual(1);
        for (const [m, on] of Object.entries(layer.route.methods)) {
          if (on) out.push({ method: m.toUpperCase(), path: layer.route.path, roles: declared[0] });
        }
      } else if (layer.handle?.stack) {
        // routers are mounted without a path prefix, so route paths are the full paths
        expect(layer.slash, 'a router mounted under a path prefix: its routes would be listed without it').toBe(true);
        walk(layer.handle.stack);
      }
    }
  };
  walk(app.router.stack as unknown as LayerLike[]);
  return out;
}
