/**
 * Starts the staff map on a page with #staff-map: the map, the find-a-place box above it and, on a case page
 * (data-case-id), the site panel in #site-panel. Answers the StaffMap (for the panels), or null when it failed.
 */
import { createStaffMap, type StaffMapInternal } from './index.ts';
import { mountPlaceSearch } from './place-search.ts';
import { mountSiteEditor } from './site-editor.ts';

export async function bootStaffMap(target: HTMLElement): Promise<StaffMapInternal | null> {
  try {
    const caseId = Number(target.dataset.caseId);
    const hasCase = Number.isInteger(caseId) && caseId > 0;
    const sm = await createStaffMap(target, hasCase ? { caseId } : {});
    mountPlaceSearch(sm);
    const panel = document.getElementById('site-panel');
    if (hasCase && panel) {
      const v = Number(target.dataset.caseVersion);
      await mountSiteEditor(sm, panel, {
        caseId,
        kind: target.dataset.caseKind,
        version: Number.isInteger(v) && v > 0 ? v : null,
      });
    }
    // for browser tests and the console: the element's staffMap is the StaffMap
    Object.defineProperty(target, 'staffMap', { value: sm, configurable: true });
    target.dataset.mapReady = 'true';
    target.dispatchEvent(new CustomEvent('staff-map-ready', { detail: sm, bubbles: true }));
    return sm;
  } catch (e) {
    console.error('The staff map could not start', e);
    target.dataset.mapReady = 'failed';
    return null;
  }
}
