/**
 * Whether a stored constraint check is still current (pure): a check made before the case's current site boundary
 * was set, or before a layer it answered was reloaded, redefined, retired or removed, or before a layer was added
 * that it does not answer, is stale, and says why. Used wherever a stored check is shown (GET check, the list of
 * checks, the case's publicity) and by a re-run (which layers were added or retired since).
 */

/** A layer as a stored check recorded it (constraint_check.layers). */
export interface CheckedLayer {
  id: string;
  dataVersion: number;
  definitionHash?: string;
}

/** A layer as it is now (retiredAt null while active). */
export interface LayerState {
  id: string;
  dataVersion: number;
  definitionHash: string;
  loadedAt: Date | string | null;
  retiredAt: Date | string | null;
  createdAt: Date | string;
}

/** The case's current site: its case_site id and when it was set. */
export interface SiteState {
  id: number;
  setAt: Date | string;
}

export type StaleReasonCode =
  'site-replaced' | 'layer-reloaded' | 'layer-definition-changed' | 'layer-retired' | 'layer-removed' | 'layer-added';

export interface StaleReason {
  reason: StaleReasonCode;
  layerId?: string;
  message: string;
}

export interface Staleness {
  stale: boolean;
  staleBecause: StaleReason[];
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const day = (d: Date | string | null) => (d === null ? 'an unknown date' : new Date(d).toISOString().slice(0, 10));
const after = (a: Date | string, b: Date | string) => new Date(a).getTime() > new Date(b).getTime();

/** The layers added (active, defined after the check and not answered by it), retired and removed since a check. */
export function layerChangesSince(
  checked: readonly CheckedLayer[],
  checkedAt: Date | string,
  now: readonly LayerState[],
): { added: string[]; retired: string[]; removed: string[]; kept: string[] } {
  const byId = new Map(now.map((l) => [l.id, l]));
  const had = new Set(checked.map((l) => l.id));
  const added = now
    .filter((l) => l.retiredAt === null && !had.has(l.id) && after(l.createdAt, checkedAt))
    .map((l) => l.id);
  const retired: string[] = [];
  const removed: string[] = [];
  const kept: string[] = [];
  for (const l of checked) {
    const s = byId.get(l.id);
    if (!s) removed.push(l.id);
    else if (s.retiredAt !== null) retired.push(l.id);
    else kept.push(l.id);
  }
  return { added, retired, removed, kept };
}

/** Why a check is stale (empty when it is current): `site` null when the case has no current site. */
export function stalenessOf(
  check: { siteId: number | null; createdAt: Date | string; layers: readonly CheckedLayer[] },
  site: SiteState | null,
  now: readonly LayerState[],
): Staleness {
  const because: StaleReason[] = [];
  if (site && site.id !== check.siteId)
    because.push({
      reason: 'site-replaced',
      message: `The case's site boundary was replaced on ${day(site.setAt)} (${iso(site.setAt)}), after this check: it answers for the old boundary. Run a new check on the current site.`,
    });
  const byId = new Map(now.map((l) => [l.id, l]));
  for (const l of check.layers) {
    const s = byId.get(l.id);
    if (!s)
      because.push({
        reason: 'layer-removed',
        layerId: l.id,
        message: `Layer "${l.id}" has been deleted since this check.`,
      });
    else if (s.retiredAt !== null)
      because.push({
        reason: 'layer-retired',
        layerId: l.id,
        message: `Layer "${l.id}" was retired on ${day(s.retiredAt)}, after this check: its answer here is no longer current.`,
      });
    else if (s.dataVersion !== l.dataVersion)
      because.push({
        reason: 'layer-reloaded',
        layerId: l.id,
        message: `Layer "${l.id}" was reloaded on ${day(s.loadedAt)} (data version ${l.dataVersion} checked, ${s.dataVersion} now): re-run the check.`,
      });
    else if (l.definitionHash !== undefined && s.definitionHash !== l.definitionHash)
      because.push({
        reason: 'layer-definition-changed',
        layerId: l.id,
        message: `Layer "${l.id}" has been redefined (its rule or report) since this check: re-run the check.`,
      });
  }
  for (const id of layerChangesSince(check.layers, check.createdAt, now).added)
    because.push({
      reason: 'layer-added',
      layerId: id,
      message: `Layer "${id}" was added after this check, which does not answer it: re-run the check.`,
    });
  return { stale: because.length > 0, staleBecause: because };
}
