/**
 * The constraints panel (#constraints-panel): run a stored check on the case's site; each layer's status with why
 * (and the m² its data does not cover); each hit with relation, overlap, distance and reason, a button that shows
 * it on the map (overlay 'constraint-hit') and a form to confirm or dismiss it with a reason; the earlier checks,
 * stale ones marked, each re-runnable and comparable with the one before.
 */
import Feature from 'ol/Feature.js';
import type { ConstraintReport, LayerResult, Status } from '../../../../shared/domain/constraints.ts';
import type { StaleReason } from '../../../../shared/domain/check-staleness.ts';
import { api } from './api.ts';
import { apiErrorItems, busy, button, h, linkButton, showErrors, summaryList, tag, textarea, announce } from './dom.ts';
import { HIT_OUTLINE, HIT_STYLE, readGeometry, replaceFeatures } from './draw.ts';
import {
  describeCheckChanges,
  formatArea,
  formatDate,
  formatDistance,
  formatPercent,
  RELATION_TEXT,
  STATUS_TEXT,
  summaryText,
  uncoveredText,
} from './format.ts';
import type { PanelContext } from './types.ts';

interface HitRow {
  id: number;
  layerId: string;
  featureKey: string;
  reference: string | null;
  name: string | null;
  relation: string;
  overlapM2: number | string;
  overlapPct: number | string;
  distanceM: number | string;
  fired: boolean;
  reason: string;
  decision: 'confirmed' | 'dismissed' | null;
  decisionReason: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionFrom: number | null;
  geometry: unknown;
}
interface StoredCheck {
  id: number;
  createdAt: string;
  createdBy: string | number | null;
  previousId: number | null;
  report: ConstraintReport;
  hits: HitRow[];
  stale: boolean;
  staleBecause: StaleReason[];
}
interface CheckItem {
  id: number;
  createdAt: string;
  createdBy: string | null;
  previousId: number | null;
  summary: Record<Status, number> | null;
  stale: boolean;
  staleBecause: StaleReason[];
}

const STATUS_COLOUR: Record<Status, string> = { constraint: 'red', clear: 'green', unknown: 'yellow' };
const num = (v: number | string) => Number(v);

export function startConstraintsPanel(panel: HTMLElement, ctx: PanelContext): void {
  const base = `/api/cases/${ctx.caseId}/constraint-checks`;
  let current: StoredCheck | null = null;
  let selectedHit: number | null = null;
  let items: CheckItem[] = [];

  const status = h('div', { class: 'govuk-body', role: 'status', 'aria-live': 'polite', id: 'constraints-status' });
  const runButton = button('Run a constraint check', { id: 'constraints-run' });
  const form = h('div', { class: 'redline-panel__form', id: 'constraints-form' }, runButton);
  const result = h('div', { id: 'constraints-result' });
  const history = h('div', { id: 'constraints-history' });
  const heading = panel.querySelector('h2');
  panel.replaceChildren(
    heading ?? h('h2', { class: 'govuk-heading-m' }, 'Constraints'),
    form,
    status,
    result,
    h('h3', { class: 'govuk-heading-s' }, 'Earlier checks'),
    history,
  );
  panel.classList.add('redline-panel');

  runButton.addEventListener('click', () =>
    busy(runButton, panel, async () => {
      showErrors(form, []);
      announce(status, 'Checking the site against every constraint layer…');
      try {
        const check = await api<StoredCheck>('POST', base, {});
        show(check);
        announce(status, `Check ${check.id} made: ${summaryText(check.report.summary)}.`);
        await loadHistory();
        ctx.emit('check');
      } catch (e) {
        status.textContent = '';
        showErrors(form, apiErrorItems(e, 'constraints-', []));
      }
    }),
  );

  ctx.map?.on('site-saved', () => {
    void loadHistory().then(() => {
      if (current) void open(current.id);
    });
  });

  async function loadHistory() {
    try {
      items = (await api<{ items: CheckItem[] }>('GET', base)).items;
    } catch (e) {
      showErrors(form, apiErrorItems(e, 'constraints-', []));
      return;
    }
    renderHistory();
  }

  function renderHistory() {
    if (!items.length) {
      history.replaceChildren(h('p', { class: 'govuk-body' }, 'No check has been made on this case yet.'));
      return;
    }
    history.replaceChildren(
      h(
        'ul',
        { class: 'govuk-list redline-check-list' },
        items.map((c, i) => {
          const older = items[i + 1];
          return h(
            'li',
            { 'data-check-id': c.id, class: c.id === current?.id ? 'redline-check-list__current' : '' },
            h(
              'p',
              { class: 'govuk-body govuk-!-margin-bottom-1' },
              h('strong', {}, `Check ${c.id}`),
              `, ${formatDate(c.createdAt, true)}${c.createdBy ? ` by ${c.createdBy}` : ''}: ${summaryText(c.summary)} `,
              c.stale ? tag('Out of date', 'orange') : tag('Current', 'blue'),
            ),
            c.stale
              ? h('p', { class: 'govuk-body-s redline-stale' }, c.staleBecause.map((b) => b.message).join(' '))
              : null,
            h(
              'div',
              { class: 'redline-actions' },
              linkButton(`View check ${c.id}`, { onclick: () => void open(c.id) }),
              older
                ? linkButton(`Compare check ${c.id} with check ${older.id}`, {
                    onclick: (e: Event) => void compare(older.id, c.id, e.currentTarget as HTMLElement),
                  })
                : null,
              linkButton(`Re-run check ${c.id}`, {
                onclick: (e: Event) => void rerun(c.id, e.currentTarget as HTMLButtonElement),
              }),
            ),
            h('div', { class: 'redline-compare', id: `constraints-compare-${c.id}`, 'aria-live': 'polite' }),
          );
        }),
      ),
    );
  }

  async function open(id: number) {
    try {
      show(await api<StoredCheck>('GET', `${base}/${id}`));
      renderHistory();
      result.querySelector('h3')?.focus();
    } catch (e) {
      showErrors(form, apiErrorItems(e, 'constraints-', []));
    }
  }

  async function compare(beforeId: number, afterId: number, btn: HTMLElement) {
    const out = document.getElementById(`constraints-compare-${afterId}`);
    if (!out) return;
    try {
      const [a, b] = await Promise.all([
        api<StoredCheck>('GET', `${base}/${beforeId}`),
        api<StoredCheck>('GET', `${base}/${afterId}`),
      ]);
      out.replaceChildren(changesList(describeCheckChanges(a.report, b.report), beforeId));
      btn.setAttribute('aria-expanded', 'true');
    } catch (e) {
      showErrors(form, apiErrorItems(e, 'constraints-', []));
    }
  }

  async function rerun(id: number, btn: HTMLButtonElement) {
    await busy(btn, panel, async () => {
      showErrors(form, []);
      try {
        const before = await api<StoredCheck>('GET', `${base}/${id}`);
        const out = await api<{ check: StoredCheck; carriedDecisions: unknown[] }>('POST', `${base}/${id}/rerun`, {});
        show(out.check);
        const changes = describeCheckChanges(before.report, out.check.report);
        result.querySelector('.redline-check-header')?.after(changesList(changes, id));
        announce(
          status,
          `Check ${id} re-run as check ${out.check.id}: ${changes.length ? `${changes.length} change${changes.length === 1 ? '' : 's'}` : 'nothing changed'}.`,
        );
        await loadHistory();
        ctx.emit('check');
      } catch (e) {
        showErrors(form, apiErrorItems(e, 'constraints-', []));
      }
    });
  }

  function changesList(changes: string[], beforeId: number) {
    return h(
      'div',
      { class: 'govuk-inset-text redline-changes' },
      h('p', { class: 'govuk-body govuk-!-font-weight-bold' }, `What changed since check ${beforeId}`),
      changes.length
        ? h(
            'ul',
            { class: 'govuk-list govuk-list--bullet' },
            changes.map((c) => h('li', {}, c)),
          )
        : h('p', { class: 'govuk-body' }, 'Nothing changed: every layer and hit is as it was.'),
    );
  }

  function show(check: StoredCheck) {
    current = check;
    selectedHit = null;
    replaceFeatures(ctx.map?.overlay('constraint-hit'), []);
    const r = check.report;
    result.replaceChildren(
      h(
        'div',
        { class: 'redline-check-header' },
        h(
          'h3',
          { class: 'govuk-heading-s', tabindex: -1 },
          `Check ${check.id}, made ${formatDate(check.createdAt, true)}`,
          check.createdBy ? ` by ${check.createdBy}` : '',
        ),
        check.stale
          ? h(
              'div',
              { class: 'govuk-warning-text redline-stale', id: 'constraints-stale' },
              h('span', { class: 'govuk-warning-text__icon', 'aria-hidden': 'true' }, '!'),
              h(
                'strong',
                { class: 'govuk-warning-text__text' },
                h('span', { class: 'govuk-visually-hidden' }, 'Warning'),
                `This check is out of date. ${check.staleBecause.map((b) => b.message).join(' ')}`,
              ),
            )
          : null,
        check.stale
          ? button(
              `Re-run check ${check.id}`,
              {
                id: 'constraints-rerun',
                onclick: (e: Event) => void rerun(check.id, e.currentTarget as HTMLButtonElement),
              },
              'secondary',
            )
          : null,
        summaryList([
          ['Result', summaryText(r.summary)],
          ['Site area', formatArea(r.siteAreaM2)],
        ]),
      ),
      h(
        'ul',
        { class: 'govuk-list redline-layer-list', id: 'constraints-layers', 'aria-label': 'Constraint layers' },
        orderLayers(r.layers).map((l) =>
          layerItem(
            l,
            check.hits.filter((x) => x.layerId === l.layerId),
          ),
        ),
      ),
    );
    const counts = r.summary;
    ctx.map?.describe(
      `Constraint check ${check.id}: ${counts.constraint} constraint${counts.constraint === 1 ? '' : 's'}, ${counts.unknown} unknown. Select a hit in the list to show it on the map.`,
    );
  }

  function layerItem(l: LayerResult, hits: HitRow[]) {
    const uncovered = uncoveredText(l);
    return h(
      'li',
      { class: `redline-layer redline-layer--${l.status}`, 'data-layer-id': l.layerId, 'data-status': l.status },
      h(
        'h4',
        { class: 'govuk-heading-s govuk-!-margin-bottom-1' },
        `${l.title} `,
        tag(STATUS_TEXT[l.status], STATUS_COLOUR[l.status]),
      ),
      h('p', { class: 'govuk-body-s govuk-!-margin-bottom-1' }, l.sentence),
      uncovered ? h('p', { class: 'govuk-body-s govuk-!-margin-bottom-1' }, `Not covered: ${uncovered}.`) : null,
      l.caveats.length
        ? h(
            'ul',
            { class: 'govuk-list govuk-list--bullet govuk-body-s' },
            l.caveats.map((c) => h('li', {}, c)),
          )
        : null,
      hits.length
        ? h(
            'ul',
            { class: 'govuk-list redline-hit-list', 'aria-label': `${l.title}: what the check found` },
            hits.map((x) => hitItem(x, l)),
          )
        : null,
    );
  }

  function hitItem(x: HitRow, l: LayerResult) {
    const label = x.name ?? x.reference ?? x.featureKey;
    const li = h(
      'li',
      { class: `redline-hit${x.fired ? ' redline-hit--fired' : ''}`, 'data-hit-id': x.id },
      h(
        'button',
        {
          type: 'button',
          class: 'redline-hit__select',
          'data-hit-id': x.id,
          'aria-pressed': selectedHit === x.id ? 'true' : 'false',
          onclick: () => selectHit(x, l),
        },
        `Show on map: ${label}`,
      ),
      summaryList([
        ['Reference', x.reference ?? 'none'],
        ['Relation', RELATION_TEXT[x.relation] ?? x.relation],
        ['Overlap', `${formatArea(num(x.overlapM2))} (${formatPercent(num(x.overlapPct))} of the site)`],
        ['Distance', formatDistance(num(x.distanceM))],
        ['Counts as a constraint', x.fired ? 'Yes' : 'No'],
        ['Why', x.reason],
        ['Decision', decisionText(x)],
      ]),
      decisionForm(x, label),
    );
    return li;
  }

  function decisionText(x: HitRow): string {
    if (!x.decision) return 'Not yet confirmed or dismissed';
    const who = x.decidedBy ? ` by ${x.decidedBy}` : '';
    const when = x.decidedAt ? ` on ${formatDate(x.decidedAt)}` : '';
    const from = x.decisionFrom ? ` (carried over from check ${x.decisionFrom})` : '';
    return `${x.decision === 'confirmed' ? 'Confirmed' : 'Dismissed'}${who}${when}${from}: ${x.decisionReason ?? ''}`;
  }

  function decisionForm(x: HitRow, label: string) {
    const p = `hit-${x.id}-`;
    const reason = textarea({ id: `${p}reason`, name: 'reason', rows: 2 });
    if (x.decisionReason) reason.value = x.decisionReason;
    const saveBtn = button('Save decision', { id: `${p}save` }, 'secondary');
    const wrap = h(
      'details',
      { class: 'govuk-details redline-decision' },
      h(
        'summary',
        { class: 'govuk-details__summary' },
        h('span', { class: 'govuk-details__summary-text' }, `Confirm or dismiss ${label}`),
      ),
    );
    const formEl = h(
      'div',
      { class: 'govuk-details__text' },
      h(
        'div',
        { class: 'govuk-form-group' },
        h(
          'fieldset',
          { class: 'govuk-fieldset' },
          h(
            'legend',
            { class: 'govuk-fieldset__legend govuk-fieldset__legend--s' },
            `Is ${label} a constraint on this site?`,
          ),
          h(
            'div',
            { class: 'govuk-radios govuk-radios--small govuk-radios--inline' },
            (['confirmed', 'dismissed'] as const).map((d, i) =>
              h(
                'div',
                { class: 'govuk-radios__item' },
                h('input', {
                  class: 'govuk-radios__input',
                  type: 'radio',
                  name: `${p}decision`,
                  id: i === 0 ? `${p}decision` : `${p}decision-${d}`,
                  value: d,
                  checked: x.decision === d,
                }),
                h(
                  'label',
                  { class: 'govuk-label govuk-radios__label', for: i === 0 ? `${p}decision` : `${p}decision-${d}` },
                  d === 'confirmed' ? 'Confirm' : 'Dismiss',
                ),
              ),
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'govuk-form-group' },
        h('label', { class: 'govuk-label', for: `${p}reason` }, 'Reason'),
        h('div', { class: 'govuk-hint', id: `${p}reason-hint` }, 'Kept with the check and shown in the audit record'),
        reason,
      ),
      saveBtn,
    );
    reason.setAttribute('aria-describedby', `${p}reason-hint`);
    wrap.append(formEl);
    saveBtn.addEventListener('click', () =>
      busy(saveBtn, panel, async () => {
        const decision = formEl.querySelector<HTMLInputElement>(`input[name="${p}decision"]:checked`)?.value;
        const errors = [];
        if (!decision) errors.push({ id: `${p}decision`, message: 'Choose confirm or dismiss' });
        if (reason.value.trim().length < 3)
          errors.push({ id: `${p}reason`, message: 'Say why (at least 3 characters)' });
        showErrors(formEl, errors);
        if (errors.length || !current) return;
        try {
          await api('PATCH', `${base}/${current.id}/hits/${x.id}`, { decision, reason: reason.value.trim() });
          x.decision = decision as HitRow['decision'];
          x.decisionReason = reason.value.trim();
          x.decidedAt = new Date().toISOString();
          x.decidedBy = null;
          x.decisionFrom = null;
          // who decided (and when) as the server stored it: the PATCH answer does not say
          try {
            const stored = (await api<StoredCheck>('GET', `${base}/${current.id}`)).hits.find((h) => h.id === x.id);
            if (stored) Object.assign(x, stored);
          } catch {
            // the decision stands; its author shows after a reload
          }
          const li = wrap.closest('li.redline-hit');
          const layer = current.report.layers.find((l) => l.layerId === x.layerId);
          if (li && layer) {
            const fresh = hitItem(x, layer);
            li.replaceWith(fresh);
            fresh.querySelector<HTMLButtonElement>('.redline-hit__select')?.focus();
          }
          announce(status, `${label}: ${decision === 'confirmed' ? 'confirmed' : 'dismissed'}.`);
          ctx.emit('check');
        } catch (e) {
          showErrors(formEl, apiErrorItems(e, p, ['decision', 'reason']));
        }
      }),
    );
    return wrap;
  }

  function selectHit(x: HitRow, l: LayerResult) {
    selectedHit = x.id;
    for (const b of result.querySelectorAll<HTMLButtonElement>('.redline-hit__select'))
      b.setAttribute('aria-pressed', b.dataset.hitId === String(x.id) ? 'true' : 'false');
    const label = x.name ?? x.reference ?? x.featureKey;
    if (!ctx.map) {
      announce(status, `There is no map on this page to show ${label} on.`);
      return;
    }
    const g = readGeometry(x.geometry, true);
    if (!g) {
      announce(status, `Redline has no outline stored for ${label}.`);
      return;
    }
    const f = new Feature(g);
    f.setStyle([HIT_STYLE, HIT_OUTLINE]);
    replaceFeatures(ctx.map.overlay('constraint-hit'), [f]);
    const [minx, miny, maxx, maxy] = g.getExtent() as [number, number, number, number];
    const pad = Math.max(20, (maxx - minx + (maxy - miny)) * 0.15);
    ctx.map.fit([minx - pad, miny - pad, maxx + pad, maxy + pad]);
    const text = `${l.title}: ${label}, ${(RELATION_TEXT[x.relation] ?? x.relation).toLowerCase()}, ${formatDistance(num(x.distanceM))} from the red line, shown highlighted on the map.`;
    ctx.map.describe(text);
    announce(status, text);
  }

  void loadHistory().then(() => {
    if (items[0]) void openQuietly(items[0].id);
  });
  async function openQuietly(id: number) {
    try {
      show(await api<StoredCheck>('GET', `${base}/${id}`));
      renderHistory();
    } catch {
      // the history says what there is; the check opens when asked
    }
  }
}

/** Constraints first, then unknown, then clear; the report's order within each. */
function orderLayers(layers: LayerResult[]): LayerResult[] {
  const rank: Record<Status, number> = { constraint: 0, unknown: 1, clear: 2 };
  return [...layers].sort((a, b) => rank[a.status] - rank[b.status]);
}
