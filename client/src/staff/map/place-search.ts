/**
 * Find a place, above the map: GET /api/places?q= (postcode, street and number, UPRN, easting/northing, lat/lon,
 * grid reference) with the answers in a listbox (arrow keys and Enter, or a click); typed coordinates and grid
 * references are also read here (shared/place.ts), so they work even when the search service does not answer.
 */
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import Style from 'ol/style/Style.js';
import CircleStyle from 'ol/style/Circle.js';
import Fill from 'ol/style/Fill.js';
import Stroke from 'ol/style/Stroke.js';
import { parsePlace } from '../../../../shared/place.ts';
import { el, type StaffMapInternal } from './index.ts';

export interface PlaceItem {
  kind: string;
  label: string;
  x: number;
  y: number;
  bbox?: [number, number, number, number];
  uprn?: number | string;
}

export function mountPlaceSearch(sm: StaffMapInternal): HTMLElement {
  const existing = document.getElementById('place-search-box');
  if (existing) existing.remove();
  const input = el('input', {
    class: 'govuk-input govuk-!-width-two-thirds',
    id: 'place-search',
    name: 'q',
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    role: 'combobox',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': 'place-results',
    'aria-describedby': 'place-search-hint',
  });
  const button = el('button', {
    class: 'govuk-button govuk-button--secondary',
    type: 'submit',
    id: 'place-search-button',
    text: 'Find',
  });
  const list = el('ul', {
    class: 'redline-place__results',
    id: 'place-results',
    role: 'listbox',
    'aria-label': 'Places found',
  });
  list.hidden = true;
  const status = el('p', { class: 'govuk-body-s redline-place__status', id: 'place-search-status', role: 'status' });
  const form = el(
    'form',
    { class: 'redline-place', id: 'place-search-box', role: 'search', 'aria-label': 'Find a place', novalidate: '' },
    el('label', { class: 'govuk-label govuk-label--s', for: 'place-search', text: 'Find a place' }),
    el('div', {
      class: 'govuk-hint',
      id: 'place-search-hint',
      text: 'A postcode, street and house number, UPRN, easting and northing (532525 179850), latitude and longitude, or grid reference (TQ 32525 79850)',
    }),
    el('div', { class: 'redline-place__row' }, input, button),
    list,
    status,
  );
  sm.target.insertAdjacentElement('beforebegin', form);

  let items: PlaceItem[] = [];
  let active = -1;
  let seq = 0;
  const marker = sm.overlay('place');
  marker.setStyle(
    new Style({
      image: new CircleStyle({
        radius: 7,
        fill: new Fill({ color: '#ffdd00' }),
        stroke: new Stroke({ color: '#0b0c0c', width: 3 }),
      }),
    }),
  );

  const setActive = (i: number) => {
    active = i;
    [...list.children].forEach((li, k) => li.setAttribute('aria-selected', String(k === i)));
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', `place-result-${i}`);
      (list.children[i] as HTMLElement | undefined)?.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    setActive(-1);
  };
  const show = (found: PlaceItem[]) => {
    items = found;
    list.replaceChildren(
      ...found.map((it, i) => {
        const li = el(
          'li',
          { role: 'option', id: `place-result-${i}`, 'aria-selected': 'false', class: 'redline-place__option' },
          it.label,
        );
        li.dataset.kind = it.kind;
        li.addEventListener('mousedown', (e) => e.preventDefault());
        li.addEventListener('click', () => choose(i));
        return li;
      }),
    );
    list.hidden = found.length === 0;
    input.setAttribute('aria-expanded', String(found.length > 0));
    setActive(-1);
  };
  const choose = (i: number) => {
    const it = items[i];
    if (!it) return;
    close();
    input.value = it.label;
    goTo(sm, it);
    status.textContent = `Showing ${it.label} (E ${Math.round(it.x)} N ${Math.round(it.y)}).`;
    marker.getSource()!.clear();
    marker.getSource()!.addFeature(new Feature(new Point([it.x, it.y])));
    sm.describePart('place', `Centred on ${it.label}.`);
  };

  const localPlace = (q: string): PlaceItem | string | null => {
    const p = parsePlace(q);
    if (!p) return null;
    if (!p.ok) return p.message;
    return { kind: 'coordinates', label: p.place.label, x: p.place.x, y: p.place.y, bbox: p.place.bbox };
  };

  const search = async (q: string, go: boolean) => {
    const mine = ++seq;
    const local = localPlace(q);
    if (typeof local === 'object' && local) {
      show([local]);
      if (go) choose(0);
      return;
    }
    status.textContent = 'Searching…';
    let found: PlaceItem[] | null = null;
    let problem: string | null = null;
    try {
      const res = await fetch(`/api/places?q=${encodeURIComponent(q)}`, {
        credentials: 'same-origin',
        headers: { accept: 'application/json' },
      });
      const body = (await res.json().catch(() => null)) as { items?: PlaceItem[]; error?: { message?: string } } | null;
      if (res.ok) found = body?.items ?? [];
      else problem = body?.error?.message ?? `The place search answered ${res.status}.`;
    } catch {
      problem = 'The place search did not answer. Type an easting and northing or a grid reference instead.';
    }
    if (mine !== seq) return;
    if (problem || !found) {
      show([]);
      status.textContent = typeof local === 'string' ? local : (problem ?? '');
      return;
    }
    show(found);
    status.textContent = found.length
      ? `${found.length} ${found.length === 1 ? 'place' : 'places'} found. Use the up and down arrows and Enter to choose one.`
      : typeof local === 'string'
        ? local
        : `Nothing found for “${q}”.`;
    if (go && found.length === 1) choose(0);
  };

  let timer = 0;
  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 3) return close();
    timer = window.setTimeout(() => void search(q, false), 300);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && items.length) {
      if (list.hidden) {
        list.hidden = false;
        input.setAttribute('aria-expanded', 'true');
      }
      setActive(Math.min(items.length - 1, active + 1));
      e.preventDefault();
    } else if (e.key === 'ArrowUp' && items.length) {
      setActive(Math.max(0, active - 1));
      e.preventDefault();
    } else if (e.key === 'Escape') {
      close();
    } else if (e.key === 'Enter' && active >= 0 && !list.hidden) {
      e.preventDefault();
      choose(active);
    }
  });
  input.addEventListener('blur', () => window.setTimeout(close, 200));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    window.clearTimeout(timer);
    const q = input.value.trim();
    if (!q) {
      status.textContent = 'Type a place to find.';
      return;
    }
    void search(q, true);
  });
  return form;
}

export function goTo(
  sm: StaffMapInternal,
  it: { x: number; y: number; bbox?: [number, number, number, number] | null },
) {
  if (it.bbox && it.bbox.every(Number.isFinite)) sm.fit(it.bbox);
  else sm.fit([it.x - 40, it.y - 40, it.x + 40, it.y + 40]);
}
