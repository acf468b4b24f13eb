/**
 * The case page's panels (issue 12 items 5–7), started when the page has #staff-map with data-case-id: constraints,
 * neighbours, publicity and documents, each in its server-rendered container (replacing the fallback content).
 * They use the staff map only through its contract (./types.ts StaffMapLike) and work without it.
 */
import './panels.scss';
import { startConstraintsPanel } from './constraints.ts';
import { startDocumentsPanel } from './documents.ts';
import { startNeighboursPanel } from './neighbours.ts';
import { startPublicityPanel } from './publicity.ts';
import type { PanelContext, PanelEvent, StaffMapLike } from './types.ts';

export type { StaffMapLike } from './types.ts';

/** How long the panels wait for the map before starting without it. */
const MAP_WAIT_MS = 10_000;

export async function startCasePanels(
  mapTarget: HTMLElement,
  map: StaffMapLike | null | Promise<StaffMapLike | null>,
): Promise<void> {
  const caseId = Number(mapTarget.dataset.caseId);
  if (!Number.isInteger(caseId) || caseId <= 0) return;
  const staffMap = await Promise.race([
    Promise.resolve(map).catch(() => null),
    new Promise<null>((resolve) => window.setTimeout(() => resolve(null), MAP_WAIT_MS)),
  ]);
  const listeners = new Map<PanelEvent, Array<() => void>>();
  const ctx: PanelContext = {
    caseId,
    caseKind: mapTarget.dataset.caseKind ?? 'application',
    map: staffMap,
    emit: (e) => {
      for (const cb of listeners.get(e) ?? []) cb();
    },
    on: (e, cb) => listeners.set(e, [...(listeners.get(e) ?? []), cb]),
  };
  const panels: Array<[string, (el: HTMLElement, c: PanelContext) => void]> = [
    ['constraints-panel', startConstraintsPanel],
    ['neighbours-panel', startNeighboursPanel],
    ['publicity-panel', startPublicityPanel],
    ['documents-panel', startDocumentsPanel],
  ];
  for (const [id, start] of panels) {
    const el = document.getElementById(id);
    if (!el || el.dataset.panelStarted) continue;
    el.dataset.panelStarted = 'true';
    try {
      start(el, ctx);
    } catch (e) {
      // one panel failing leaves the others (and its server-rendered fallback) working
      console.error(`The ${id} could not start`, e);
    }
  }
}
