/**
 * What the panels use of the staff map (client/src/staff/map/index.ts StaffMap, see the round's contract): written
 * here structurally so the panels depend on no more than that interface, and work without a map at all.
 */
import type Feature from 'ol/Feature.js';

export interface OverlayLike {
  getSource(): { clear(fast?: boolean): void; addFeatures(features: Feature[]): void } | null;
}

export interface MapViewLike {
  getView(): { getResolution(): number | undefined };
  addInteraction?(i: unknown): void;
  removeInteraction?(i: unknown): unknown;
}

export interface StaffMapLike {
  map: MapViewLike;
  overlay(name: string): OverlayLike;
  fit(extent: number[]): void;
  describe(text: string): void;
  on(event: 'site-saved' | 'click', cb: (e: unknown) => void): void;
}

/** What every panel is given. */
export interface PanelContext {
  caseId: number;
  caseKind: string;
  /** null when the page has no map (or it failed): the lists still work */
  map: StaffMapLike | null;
  /** tells the other panels something changed ('check', 'run', 'publicity', 'site') */
  emit(event: PanelEvent): void;
  on(event: PanelEvent, cb: () => void): void;
}
export type PanelEvent = 'check' | 'run' | 'publicity' | 'site' | 'document';

/** The clicked map point [x, y] (EPSG:27700) from a click event, whatever shape it comes in. */
export function coordinateOf(e: unknown): [number, number] | null {
  const c = Array.isArray(e)
    ? e
    : e && typeof e === 'object'
      ? ((e as { coordinate?: unknown }).coordinate ?? (e as { point?: unknown }).point)
      : null;
  if (Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'number') return [c[0], c[1]];
  if (e && typeof e === 'object' && typeof (e as { x?: unknown }).x === 'number')
    return [(e as { x: number }).x, (e as { y: number }).y];
  return null;
}
