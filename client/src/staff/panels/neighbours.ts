/**
 * The neighbours panel (#neighbours-panel): choose who to notify by radius, adjoining properties or a drawn area,
 * previewed as it changes (the buffer drawn at once with Turf, the list from POST /api/neighbours/preview); add or
 * remove an address with a reason from the list, by UPRN or by clicking the map; the list numbered like the map's
 * labels (overlay 'neighbours'); save the run (POST /api/cases/:id/notification-runs).
 */
import Feature from 'ol/Feature.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import Polygon from 'ol/geom/Polygon.js';
import Draw from 'ol/interaction/Draw.js';
import type Geometry from 'ol/geom/Geometry.js';
import { api, ApiError } from './api.ts';
import {
  announce,
  apiErrorItems,
  busy,
  button,
  field,
  fieldErrors,
  h,
  input,
  fill,
  linkButton,
  radios,
  showErrors,
  textarea,
} from './dom.ts';
import { AREA_STYLE, BUFFER_STYLE, numberMarker, readGeometry, replaceFeatures } from './draw.ts';
import {
  formatDate,
  formatDistance,
  nearestRecipient,
  numberLabels,
  parseCorners,
  reasonError,
  selectionOf,
  toggleAddress,
  type NeighbourMode,
  type NeighbourState,
} from './format.ts';
import { coordinateOf, type PanelContext } from './types.ts';
import { useBritishNationalGrid } from '../../shared/projection.ts';

interface Recipient {
  number: number;
  uprn: number;
  addressLines: string[];
  postcode: string | null;
  distanceM: number;
  reasons: Array<{ mode: string; detail: string; distanceM: number }>;
  x: number;
  y: number;
}
interface Selection {
  recipients: Recipient[];
  excluded: Array<{ uprn: number; addressLines: string[]; because: string }>;
  unaddressed: Array<{ propertyId: number; reference: string; name: string | null; distanceM: number }>;
  notFound: number[];
}
interface RunItem {
  id: number;
  recipientCount: number;
  createdBy: string | null;
  createdAt: string;
}
interface Proposal {
  uprns: number[];
  onList: boolean;
  what: string;
}

const FIELDS = ['radius', 'tolerance', 'polygon'] as const;
const P = 'neighbours-';

export function startNeighboursPanel(panel: HTMLElement, ctx: PanelContext): void {
  const state: NeighbourState = { mode: 'radius', radius: '50', tolerance: '', polygon: null, add: [], remove: [] };
  let site: Geometry | null = null;
  let siteJson: unknown = null;
  let selection: Selection | null = null;
  let selectedUprn: number | null = null;
  let proposal: Proposal | null = null;
  let previewSeq = 0;
  let bufferSeq = 0;
  let timer: number | undefined;
  let drawing: Draw | null = null;
  /** every address seen in a preview, so a removed one can still be drawn (greyed) */
  const known = new Map<number, Recipient>();

  const status = h('div', { class: 'govuk-body', role: 'status', 'aria-live': 'polite', id: `${P}status` });
  const radius = input({
    class: 'govuk-input govuk-input--width-5',
    inputmode: 'decimal',
    name: 'radius',
    value: state.radius,
  });
  const tolerance = input({
    class: 'govuk-input govuk-input--width-5',
    inputmode: 'decimal',
    name: 'tolerance',
    placeholder: '1',
  });
  const corners = textarea({ name: 'polygon', rows: 4, spellcheck: 'false' });
  const radiusGroup = field(
    `${P}radius`,
    'Radius in metres',
    radius,
    'Addresses within this distance of the red line (up to 1000 m)',
  );
  const toleranceGroup = field(
    `${P}tolerance`,
    'Tolerance in metres (optional)',
    tolerance,
    'Property outlines within this distance of the red line count as adjoining (default 1 m)',
  );
  const drawBtn = button('Draw the area on the map', { id: `${P}draw` }, 'secondary');
  const cornersBtn = button('Use these corners', { id: `${P}use-corners` }, 'secondary');
  const drawnGroup = h(
    'div',
    {},
    ctx.map ? drawBtn : null,
    field(
      `${P}polygon`,
      'Or type the corners of the area',
      corners,
      'One easting and northing per line (EPSG:27700), for example 530000 180000',
    ),
    cornersBtn,
  );
  const modeRadios = radios(
    `${P}mode`,
    'Who to notify',
    [
      { value: 'radius', label: 'Everyone within a radius', id: `${P}mode-radius`, checked: true },
      { value: 'adjoining', label: 'Adjoining properties', id: `${P}mode-adjoining` },
      { value: 'drawn', label: 'Everyone inside an area I draw', id: `${P}mode-drawn` },
    ],
    (v) => {
      state.mode = v as NeighbourMode;
      renderMode();
      schedule(0);
    },
  );
  const form = h(
    'div',
    { class: 'redline-panel__form', id: `${P}form` },
    modeRadios,
    radiusGroup,
    toleranceGroup,
    drawnGroup,
  );

  const changeTitle = h('p', { class: 'govuk-body govuk-!-font-weight-bold', id: `${P}change-title` });
  const changeReason = textarea({ name: 'reason', rows: 2 });
  const applyBtn = button('Add to the list', { id: `${P}change-apply` });
  const cancelBtn = button('Cancel', { id: `${P}change-cancel` }, 'secondary');
  const change = h(
    'div',
    { class: 'redline-panel__change govuk-inset-text', id: `${P}change`, hidden: true },
    changeTitle,
    field(`${P}change-reason`, 'Reason', changeReason, 'Kept with the run and shown in the letter list'),
    h('div', { class: 'govuk-button-group' }, applyBtn, cancelBtn),
  );
  const addUprn = input({ class: 'govuk-input govuk-input--width-10', inputmode: 'numeric', name: 'uprn' });
  const addForm = h(
    'div',
    { class: 'redline-panel__form', id: `${P}add-form` },
    field(`${P}add-uprn`, 'Add an address by UPRN', addUprn, ctx.map ? 'Or click a property on the map' : undefined),
    button('Find the address', { id: `${P}add-find` }, 'secondary'),
  );
  const list = h('div', { id: `${P}list` });
  const saveBtn = button('Save the notification run', { id: `${P}save` });
  const saved = h('div', { id: `${P}saved`, 'aria-live': 'polite' });
  const runs = h('div', { id: `${P}runs` });
  const heading = panel.querySelector('h2');
  panel.replaceChildren(
    heading ?? h('h2', { class: 'govuk-heading-m' }, 'Neighbours'),
    form,
    status,
    change,
    list,
    addForm,
    saveBtn,
    saved,
    h('h3', { class: 'govuk-heading-s' }, 'Saved notification runs'),
    runs,
  );
  panel.classList.add('redline-panel');
  renderMode();

  radius.addEventListener('input', () => {
    state.radius = radius.value;
    schedule(350);
  });
  tolerance.addEventListener('input', () => {
    state.tolerance = tolerance.value;
    schedule(350);
  });
  cornersBtn.addEventListener('click', () => {
    const parsed = parseCorners(corners.value);
    if ('error' in parsed) {
      showErrors(form, [{ id: `${P}polygon`, message: parsed.error }]);
      return;
    }
    state.polygon = [parsed.ring];
    schedule(0);
  });
  drawBtn.addEventListener('click', startDrawing);
  cancelBtn.addEventListener('click', () => closeChange());
  applyBtn.addEventListener('click', applyChange);
  addForm.querySelector('button')!.addEventListener('click', () => {
    const v = addUprn.value.trim();
    if (!/^[1-9]\d{0,11}$/.test(v)) {
      showErrors(addForm, [{ id: `${P}add-uprn`, message: 'Enter a UPRN: a number of up to 12 digits' }]);
      return;
    }
    showErrors(addForm, []);
    const uprn = Number(v);
    const on = selection?.recipients.some((r) => r.uprn === uprn) ?? false;
    propose({ uprns: [uprn], onList: on, what: `UPRN ${uprn}` });
  });
  saveBtn.addEventListener('click', () =>
    busy(saveBtn, panel, async () => {
      const s = selectionOf(state);
      if ('errors' in s) {
        showErrors(form, fieldErrors(P, s.errors));
        return;
      }
      showErrors(form, []);
      try {
        const run = await api<{
          id: number;
          recipients: Recipient[];
          excluded: Selection['excluded'];
          notFound: number[];
        }>('POST', `/api/cases/${ctx.caseId}/notification-runs`, { selection: s.selection });
        saved.replaceChildren(
          h(
            'div',
            { class: 'govuk-panel govuk-panel--confirmation redline-saved', tabindex: -1 },
            h('h3', { class: 'govuk-panel__title govuk-!-font-size-24' }, `Notification run ${run.id} saved`),
            h(
              'div',
              { class: 'govuk-panel__body govuk-!-font-size-19' },
              `${run.recipients.length} address${run.recipients.length === 1 ? '' : 'es'} to notify`,
              run.excluded.length ? `; ${run.excluded.length} left out (listed below)` : '',
              run.notFound.length ? `; no address found for UPRN ${run.notFound.join(', ')}` : '',
            ),
          ),
        );
        saved.querySelector<HTMLElement>('.govuk-panel')?.focus();
        await loadRuns();
        ctx.emit('run');
      } catch (e) {
        showErrors(form, apiErrorItems(e, P, FIELDS));
      }
    }),
  );

  ctx.map?.on('click', (e) => {
    if (drawing) return;
    const c = coordinateOf(e);
    if (c) void clickAt(c[0], c[1]);
  });
  // the page says when the case has no site (data-has-site="false"): no request for it until one is saved
  let noSiteYet = document.getElementById('staff-map')?.dataset.hasSite === 'false';
  ctx.map?.on('site-saved', () => {
    noSiteYet = false;
    void loadSite().then(() => schedule(0));
  });

  function renderMode() {
    radiusGroup.hidden = state.mode !== 'radius';
    toleranceGroup.hidden = state.mode !== 'adjoining';
    drawnGroup.hidden = state.mode !== 'drawn';
    if (state.mode !== 'drawn') stopDrawing();
  }

  function schedule(ms: number) {
    window.clearTimeout(timer);
    void drawBuffer();
    timer = window.setTimeout(() => void preview(), ms);
  }

  async function loadSite() {
    if (noSiteYet) {
      site = null;
      siteJson = null;
      list.replaceChildren(h('p', { class: 'govuk-body' }, 'Plot the site first: the neighbours are found around it.'));
      return;
    }
    try {
      const s = await api<{ geometry: unknown }>('GET', `/api/cases/${ctx.caseId}/site?crs=EPSG:27700`);
      siteJson = s.geometry;
      site = readGeometry(s.geometry, false);
    } catch (e) {
      site = null;
      siteJson = null;
      const noSite = e instanceof ApiError && e.code === 'SITE_NOT_SET';
      list.replaceChildren(
        h(
          'p',
          { class: 'govuk-body' },
          noSite ? 'Plot the site first: the neighbours are found around it.' : String((e as Error).message),
        ),
      );
    }
  }

  /** The preview outline at once: the radius or adjoining tolerance as a Turf buffer (in CRS84 around the site,
   *  back to EPSG:27700; a preview only, the list is the server's), or the drawn area. */
  async function drawBuffer() {
    const overlay = ctx.map?.overlay('neighbours-area');
    if (!overlay) return;
    const seq = ++bufferSeq;
    if (state.mode === 'drawn') {
      if (!state.polygon) return replaceFeatures(overlay, []);
      const f = new Feature(new Polygon(state.polygon));
      f.setStyle(AREA_STYLE);
      return replaceFeatures(overlay, [f]);
    }
    const d =
      state.mode === 'radius' ? Number(state.radius) : state.tolerance.trim() === '' ? 1 : Number(state.tolerance);
    if (!site || !Number.isFinite(d) || d < 0 || d > 1000) return replaceFeatures(overlay, []);
    try {
      useBritishNationalGrid();
      const { buffer } = await import('@turf/buffer');
      const fmt = new GeoJSON();
      const lonLat = fmt.writeGeometryObject(site, { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:27700' });
      const out = buffer({ type: 'Feature', properties: {}, geometry: lonLat as never }, d, { units: 'meters' });
      if (seq !== bufferSeq || !out) return;
      const g = readGeometry(out.geometry, true);
      if (!g) return;
      const f = new Feature(g);
      f.setStyle(BUFFER_STYLE);
      replaceFeatures(overlay, [f]);
    } catch {
      replaceFeatures(overlay, []);
    }
  }

  async function preview() {
    if (!siteJson) await loadSite();
    if (!siteJson) return;
    const s = selectionOf(state);
    if ('errors' in s) {
      showErrors(form, fieldErrors(P, s.errors), false);
      return;
    }
    showErrors(form, []);
    const seq = ++previewSeq;
    announce(status, 'Finding the neighbours…');
    try {
      const out = await api<Selection>('POST', '/api/neighbours/preview', {
        site: siteJson,
        siteCrs: 'EPSG:27700',
        selection: s.selection,
      });
      if (seq !== previewSeq) return;
      selection = out;
      for (const r of out.recipients) known.set(r.uprn, r);
      render();
      announce(status, `${out.recipients.length} address${out.recipients.length === 1 ? '' : 'es'} to notify.`);
    } catch (e) {
      if (seq !== previewSeq) return;
      status.textContent = '';
      showErrors(form, apiErrorItems(e, P, FIELDS), false);
    }
  }

  function render() {
    if (!selection) return;
    const sel = selection;
    const removed = state.remove.map((r) => ({ ...r, rec: known.get(r.uprn) }));
    fill(
      list,
      h('h3', { class: 'govuk-heading-s' }, `To notify (${sel.recipients.length})`),
      sel.recipients.length
        ? h(
            'ol',
            {
              class: 'govuk-list redline-recipients',
              id: `${P}recipients`,
              'aria-label': 'Addresses to notify, numbered as on the map',
            },
            sel.recipients.map((r) =>
              h(
                'li',
                {
                  'data-uprn': r.uprn,
                  'data-number': r.number,
                  class: r.uprn === selectedUprn ? 'redline-recipient--selected' : '',
                },
                h('span', { class: 'redline-number', 'aria-hidden': 'true' }, String(r.number)),
                h(
                  'div',
                  { class: 'redline-recipient__body' },
                  h(
                    'p',
                    { class: 'govuk-body govuk-!-margin-bottom-1' },
                    h('span', { class: 'govuk-visually-hidden' }, `${r.number}. `),
                    addressText(r),
                  ),
                  h(
                    'p',
                    { class: 'govuk-body-s govuk-!-margin-bottom-1' },
                    `${formatDistance(r.distanceM)} from the red line. UPRN ${r.uprn}.`,
                  ),
                  h(
                    'ul',
                    { class: 'govuk-list govuk-list--bullet govuk-body-s' },
                    r.reasons.map((x) => h('li', {}, x.detail)),
                  ),
                  h(
                    'div',
                    { class: 'redline-actions' },
                    ctx.map ? linkButton(`Show ${r.number} on the map`, { onclick: () => selectRecipient(r) }) : null,
                    linkButton(`Remove ${r.number}`, {
                      'data-remove-uprn': r.uprn,
                      onclick: () => propose({ uprns: [r.uprn], onList: true, what: `${r.number}. ${addressText(r)}` }),
                    }),
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'govuk-body' }, 'Nobody to notify with this choice.'),
      sel.excluded.length
        ? h(
            'div',
            {},
            h('h3', { class: 'govuk-heading-s' }, `Left out (${sel.excluded.length})`),
            h(
              'ul',
              { class: 'govuk-list', id: `${P}excluded` },
              sel.excluded.map((x) => {
                const byHand = state.remove.some((r) => r.uprn === x.uprn);
                return h(
                  'li',
                  { 'data-uprn': x.uprn },
                  `${x.addressLines.join(', ')} (UPRN ${x.uprn}): ${x.because} `,
                  byHand
                    ? linkButton('Put back on the list', {
                        onclick: () => {
                          Object.assign(state, toggleAddress(state, x.uprn, false, ''));
                          schedule(0);
                        },
                      })
                    : null,
                );
              }),
            ),
          )
        : null,
      sel.unaddressed.length
        ? h(
            'div',
            {},
            h('h3', { class: 'govuk-heading-s' }, 'Adjoining outlines with no address'),
            h(
              'ul',
              { class: 'govuk-list govuk-list--bullet govuk-body-s' },
              sel.unaddressed.map((u) =>
                h(
                  'li',
                  {},
                  `${u.name ?? u.reference}, ${formatDistance(u.distanceM)} from the red line: check who to notify there`,
                ),
              ),
            ),
          )
        : null,
      sel.notFound.length
        ? h('p', { class: 'govuk-body' }, `No address was found for UPRN ${sel.notFound.join(', ')}.`)
        : null,
    );
    const markers = numberLabels(sel.recipients).map((l) =>
      numberMarker(
        l.x,
        l.y,
        l.label,
        selectedUprn !== null && sel.recipients.some((r) => r.uprn === selectedUprn && r.x === l.x && r.y === l.y),
      ),
    );
    for (const r of removed) if (r.rec) markers.push(numberMarker(r.rec.x, r.rec.y, '×', false, true));
    replaceFeatures(ctx.map?.overlay('neighbours'), markers);
    ctx.map?.describe(
      `Neighbours: ${sel.recipients.length} address${sel.recipients.length === 1 ? '' : 'es'} to notify, numbered on the map as in the list${state.remove.length ? `; ${state.remove.length} removed by hand (marked ×)` : ''}.`,
    );
  }

  function selectRecipient(r: Recipient) {
    selectedUprn = r.uprn;
    render();
    ctx.map?.fit([r.x - 40, r.y - 40, r.x + 40, r.y + 40]);
    announce(status, `${r.number}. ${addressText(r)} shown on the map.`);
  }

  function propose(p: Proposal) {
    proposal = p;
    const undo = p.onList
      ? state.add.some((a) => p.uprns.includes(a.uprn))
      : state.remove.some((a) => p.uprns.includes(a.uprn));
    changeTitle.textContent = `${p.onList ? 'Remove from the list' : 'Add to the list'}: ${p.what}`;
    applyBtn.textContent = p.onList ? 'Remove from the list' : 'Add to the list';
    changeReason.value = '';
    change.querySelector<HTMLElement>(`[data-field-for="${P}change-reason"]`)!.hidden = undo;
    change.hidden = false;
    showErrors(change, []);
    (undo ? applyBtn : changeReason).focus();
  }

  function closeChange() {
    proposal = null;
    change.hidden = true;
    showErrors(change, []);
  }

  function applyChange() {
    if (!proposal) return;
    const reasonField = change.querySelector<HTMLElement>(`[data-field-for="${P}change-reason"]`)!;
    if (!reasonField.hidden) {
      const err = reasonError(changeReason.value);
      if (err) {
        showErrors(change, [{ id: `${P}change-reason`, message: err }]);
        return;
      }
    }
    let lists: Pick<NeighbourState, 'add' | 'remove'> = state;
    for (const u of proposal.uprns) lists = toggleAddress(lists, u, proposal.onList, changeReason.value.trim());
    state.add = lists.add;
    state.remove = lists.remove;
    announce(status, `${proposal.onList ? 'Removed' : 'Added'}: ${proposal.what}. Updating the list…`);
    closeChange();
    schedule(0);
  }

  async function clickAt(x: number, y: number) {
    const res = ctx.map?.map.getView().getResolution() ?? 1;
    const near = selection ? nearestRecipient(selection.recipients, x, y, 12 * res) : null;
    if (near) {
      selectedUprn = near.uprn;
      render();
      propose({ uprns: [near.uprn], onList: true, what: `${near.number}. ${addressText(near)}` });
      return;
    }
    try {
      const f = await api<{
        properties: {
          reference: string;
          name: string | null;
          uprns: number[] | null;
          addresses: Array<{ uprn: number; address: string }> | null;
        };
      }>('GET', `/api/properties/at?x=${x.toFixed(2)}&y=${y.toFixed(2)}`);
      const p = f.properties;
      const uprns = p.uprns ?? p.addresses?.map((a) => a.uprn) ?? [];
      if (!uprns.length) {
        announce(status, `${p.name ?? p.reference} has no address to notify.`);
        return;
      }
      const on = new Set(selection?.recipients.map((r) => r.uprn) ?? []);
      const off = uprns.filter((u) => !on.has(u));
      const names = (p.addresses ?? []).map((a) => a.address);
      const what = names.length
        ? names.slice(0, 3).join('; ') + (names.length > 3 ? ` and ${names.length - 3} more` : '')
        : (p.name ?? p.reference);
      propose(off.length ? { uprns: off, onList: false, what } : { uprns, onList: true, what });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'NO_PROPERTY_HERE')
        announce(status, 'There is no property outline there.');
      else showErrors(form, apiErrorItems(e, P, FIELDS));
    }
  }

  function startDrawing() {
    const m = ctx.map;
    if (!m?.map.addInteraction) return;
    stopDrawing();
    const d = new Draw({ type: 'Polygon' });
    d.on('drawend', (ev) => {
      const g = ev.feature.getGeometry();
      if (g instanceof Polygon) {
        state.polygon = g.getCoordinates();
        corners.value = (state.polygon[0] ?? [])
          .slice(0, -1)
          .map((c) => `${c[0]!.toFixed(2)} ${c[1]!.toFixed(2)}`)
          .join('\n');
      }
      window.setTimeout(() => {
        stopDrawing();
        schedule(0);
      }, 0);
    });
    drawing = d;
    m.map.addInteraction(d);
    drawBtn.textContent = 'Drawing: click the corners, double-click to finish';
    announce(
      status,
      'Click the corners of the area on the map; double-click the last one to finish. Or type the corners below.',
    );
  }

  function stopDrawing() {
    if (!drawing) return;
    ctx.map?.map.removeInteraction?.(drawing);
    drawing = null;
    drawBtn.textContent = 'Draw the area on the map';
  }

  async function loadRuns() {
    try {
      const { items } = await api<{ items: RunItem[] }>('GET', `/api/cases/${ctx.caseId}/notification-runs`);
      runs.replaceChildren(
        items.length
          ? h(
              'ul',
              { class: 'govuk-list' },
              items.map((r) =>
                h(
                  'li',
                  { 'data-run-id': r.id },
                  `Run ${r.id}, ${formatDate(r.createdAt, true)}${r.createdBy ? ` by ${r.createdBy}` : ''}: ${r.recipientCount} address${r.recipientCount === 1 ? '' : 'es'}. `,
                  h(
                    'a',
                    { class: 'govuk-link', href: `/api/cases/${ctx.caseId}/notification-runs/${r.id}/recipients.csv` },
                    `Download run ${r.id}'s addresses (CSV)`,
                  ),
                ),
              ),
            )
          : h('p', { class: 'govuk-body' }, 'No notification run has been saved yet.'),
      );
    } catch {
      runs.replaceChildren(h('p', { class: 'govuk-body' }, 'The saved runs could not be listed.'));
    }
  }

  void loadRuns();
  void loadSite().then(() => {
    if (siteJson) schedule(0);
  });
}

function addressText(r: Pick<Recipient, 'addressLines' | 'postcode'>): string {
  return [...r.addressLines, r.postcode ?? ''].filter(Boolean).join(', ');
}
