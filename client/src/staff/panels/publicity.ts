/**
 * The publicity panel (#publicity-panel): the publicity the case needs (GET /api/cases/:id/publicity) with its
 * legal basis, what is still outstanding and the dates that follow (consultation ends, earliest decision,
 * determination); the events recorded; a form to record a site notice, press advert, letters sent, website or owner
 * notice (POST /api/cases/:id/publicity-events, each kind with the fields the API requires).
 */
import type { CasePublicity, Requirement } from '../../../../shared/domain/publicity/types.ts';
import { api } from './api.ts';
import {
  announce,
  apiErrorItems,
  busy,
  button,
  field,
  fieldErrors,
  fill,
  h,
  input,
  select,
  showErrors,
  summaryList,
  tag,
  textarea,
} from './dom.ts';
import { formatDate, PUBLICITY_EVENT_KINDS, publicityEventBody, todayInLondon, type PublicityForm } from './format.ts';
import type { PanelContext } from './types.ts';

interface EventView {
  id: number;
  kind: string;
  date: string;
  newspaper: string | null;
  editionDate: string | null;
  noticeCount: number | null;
  places: string[] | null;
  letterCount: number | null;
  runId: number | null;
  notes: string | null;
  recordedBy: string | null;
  status: 'current' | 'superseded' | 'voided';
}
type Publicity =
  | { applies: false; because: string }
  | (CasePublicity & {
      applies: true;
      constraintCheck: { id: number; stale: boolean } | null;
      events: EventView[];
      eventHistory: EventView[];
      caveats: string[];
    });

const KIND_LABEL: Record<string, string> = {
  'site-notice': 'Site notice',
  'neighbour-letters': 'Neighbour letters',
  'press-advert': 'Press advert',
  website: 'Website',
  'historic-england-copy': 'Copy to Historic England',
  'railway-notification': 'Notify the railway operator',
  'owner-notice': 'Owner notice',
};
const STATUS_LABEL: Record<string, string> = { required: 'Required', 'one-of': 'One of these', optional: 'Optional' };
const P = 'publicity-';
const FIELDS = ['kind', 'date', 'noticeCount', 'places', 'newspaper', 'editionDate', 'letterCount', 'runId', 'notes'];

export function startPublicityPanel(panel: HTMLElement, ctx: PanelContext): void {
  const url = `/api/cases/${ctx.caseId}/publicity`;
  const status = h('div', { class: 'govuk-body', role: 'status', 'aria-live': 'polite', id: `${P}status` });
  const needs = h('div', { id: `${P}required` });
  const events = h('div', { id: `${P}events` });
  const heading = panel.querySelector('h2');
  const formWrap = h('div', { id: `${P}form-wrap` });
  panel.replaceChildren(heading ?? h('h2', { class: 'govuk-heading-m' }, 'Publicity'), status, needs, events, formWrap);
  panel.classList.add('redline-panel');

  async function load() {
    try {
      render(await api<Publicity>('GET', url));
    } catch (e) {
      needs.replaceChildren();
      showErrors(panel, apiErrorItems(e, P, []));
    }
  }

  function render(p: Publicity) {
    if (!p.applies) {
      needs.replaceChildren(h('p', { class: 'govuk-body' }, p.because));
      events.replaceChildren();
      formWrap.replaceChildren();
      return;
    }
    fill(
      needs,
      summaryList([
        [
          'Category',
          `${p.classification.category[0]!.toUpperCase()}${p.classification.category.slice(1)} development (${p.classification.legalBasis})`,
        ],
        ['Publicity law', p.publicity.row ? p.publicity.row.title : p.publicity.regime],
        ['Earliest decision date', p.earliestDecisionDate ? formatDate(p.earliestDecisionDate) : p.windows.because],
        [
          'Determination date',
          p.determination?.effectiveDate
            ? `${formatDate(p.determination.effectiveDate)} (${p.determination.periodLabel ?? ''}${p.determination.legalBasis ? `, ${p.determination.legalBasis}` : ''})`
            : (p.determination?.reasons[0] ?? 'Not known until the application is valid'),
        ],
      ]),
      h('h3', { class: 'govuk-heading-s' }, 'Publicity required'),
      requirementsTable(p.publicity.requirements),
      p.outstanding.length
        ? h(
            'div',
            { class: 'govuk-warning-text', id: `${P}outstanding` },
            h('span', { class: 'govuk-warning-text__icon', 'aria-hidden': 'true' }, '!'),
            h(
              'strong',
              { class: 'govuk-warning-text__text' },
              h('span', { class: 'govuk-visually-hidden' }, 'Warning'),
              'Not done yet: ',
              p.outstanding
                .map((o) => `${KIND_LABEL[o.kind] ?? o.kind}${o.either ? ' (or another of its group)' : ''}`)
                .join('; '),
            ),
          )
        : h('p', { class: 'govuk-body', id: `${P}outstanding` }, 'Every required item has been recorded.'),
      p.windows.byKind.length
        ? h(
            'div',
            {},
            h('h3', { class: 'govuk-heading-s' }, 'Comments can be made until'),
            h(
              'ul',
              { class: 'govuk-list' },
              p.windows.byKind.map((w) =>
                h('li', {}, `${KIND_LABEL[w.kind] ?? w.kind}: ${formatDate(w.lastDay)} (${w.because})`),
              ),
            ),
          )
        : null,
      p.caveats.length
        ? h(
            'div',
            { class: 'govuk-inset-text' },
            h(
              'ul',
              { class: 'govuk-list' },
              p.caveats.map((c) => h('li', {}, c)),
            ),
          )
        : null,
      p.publicity.notes.length
        ? h(
            'ul',
            { class: 'govuk-list govuk-list--bullet govuk-body-s' },
            p.publicity.notes.map((n) => h('li', {}, n)),
          )
        : null,
    );
    events.replaceChildren(
      h('h3', { class: 'govuk-heading-s' }, 'Recorded'),
      p.eventHistory.length
        ? h(
            'table',
            { class: 'govuk-table', id: `${P}events-table` },
            h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Publicity recorded'),
            h(
              'thead',
              { class: 'govuk-table__head' },
              h(
                'tr',
                { class: 'govuk-table__row' },
                ['What', 'Date', 'Details', 'Status'].map((t) =>
                  h('th', { class: 'govuk-table__header', scope: 'col' }, t),
                ),
              ),
            ),
            h(
              'tbody',
              { class: 'govuk-table__body' },
              p.eventHistory.map((e) =>
                h(
                  'tr',
                  { class: 'govuk-table__row', 'data-event-id': e.id },
                  h('td', { class: 'govuk-table__cell' }, KIND_LABEL[e.kind] ?? e.kind),
                  h('td', { class: 'govuk-table__cell' }, formatDate(e.date)),
                  h('td', { class: 'govuk-table__cell' }, eventDetails(e)),
                  h(
                    'td',
                    { class: 'govuk-table__cell' },
                    e.status === 'current'
                      ? tag('Current', 'green')
                      : tag(e.status === 'voided' ? 'Voided' : 'Corrected', 'grey'),
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'govuk-body' }, 'Nothing has been recorded yet.'),
    );
    if (!formWrap.firstChild) formWrap.append(recordForm());
  }

  function recordForm() {
    const kind = select([['', 'Choose…'], ...PUBLICITY_EVENT_KINDS.map((k): [string, string] => [k.kind, k.label])], {
      name: 'kind',
    });
    const date = input({ type: 'date', class: 'govuk-input govuk-input--width-10', name: 'date', value: todayIso() });
    const noticeCount = input({ class: 'govuk-input govuk-input--width-3', inputmode: 'numeric', name: 'noticeCount' });
    const places = textarea({ name: 'places' });
    const newspaper = input({ name: 'newspaper' });
    const editionDate = input({ type: 'date', class: 'govuk-input govuk-input--width-10', name: 'editionDate' });
    const letterCount = input({ class: 'govuk-input govuk-input--width-5', inputmode: 'numeric', name: 'letterCount' });
    const runId = select([['', 'None']], { name: 'runId' });
    const notes = textarea({ name: 'notes', rows: 2 });
    const groups = {
      siteNotice: [
        field(`${P}noticeCount`, 'Number of notices posted', noticeCount),
        field(
          `${P}places`,
          'Where they were posted',
          places,
          'One place per line, for example: lamp post outside no. 12',
        ),
      ],
      press: [
        field(`${P}newspaper`, 'Newspaper', newspaper),
        field(`${P}editionDate`, 'Edition date (optional)', editionDate, 'If different from the date above'),
      ],
      letters: [
        field(`${P}runId`, 'Notification run the letters went to', runId, 'The letter count then comes from the run'),
        field(
          `${P}letterCount`,
          'Number of letters sent',
          letterCount,
          'Leave blank to use the run’s number of addresses',
        ),
      ],
    };
    const save = button('Record', { id: `${P}record` });
    const form = h(
      'div',
      { class: 'redline-panel__form', id: `${P}event-form` },
      h('h3', { class: 'govuk-heading-s' }, 'Record publicity'),
      field(`${P}kind`, 'What was done', kind),
      field(`${P}date`, 'Date', date, 'The day it was posted, published or sent'),
      ...groups.siteNotice,
      ...groups.press,
      ...groups.letters,
      field(`${P}notes`, 'Notes (optional)', notes),
      save,
    );
    const show = () => {
      for (const g of groups.siteNotice) g.hidden = kind.value !== 'site-notice';
      for (const g of groups.press) g.hidden = kind.value !== 'press-advert';
      for (const g of groups.letters) g.hidden = kind.value !== 'neighbour-letters';
    };
    kind.addEventListener('change', () => {
      show();
      if (kind.value === 'neighbour-letters') void loadRuns(runId);
    });
    show();
    save.addEventListener('click', () =>
      busy(save, panel, async () => {
        const f: PublicityForm = {
          kind: kind.value,
          date: date.value,
          noticeCount: noticeCount.value,
          places: places.value,
          newspaper: newspaper.value,
          editionDate: editionDate.value,
          letterCount: letterCount.value,
          runId: runId.value,
          notes: notes.value,
        };
        const b = publicityEventBody(f);
        if ('errors' in b) {
          showErrors(form, fieldErrors(P, b.errors));
          return;
        }
        showErrors(form, []);
        try {
          const out = await api<{ publicity: Publicity }>('POST', `/api/cases/${ctx.caseId}/publicity-events`, b.body);
          render(out.publicity);
          for (const c of [noticeCount, places, newspaper, editionDate, letterCount, notes]) c.value = '';
          announce(
            status,
            `${PUBLICITY_EVENT_KINDS.find((k) => k.kind === f.kind)?.label ?? 'Publicity'} recorded for ${formatDate(f.date)}.`,
          );
          ctx.emit('publicity');
        } catch (e) {
          showErrors(form, apiErrorItems(e, P, FIELDS));
        }
      }),
    );
    return form;
  }

  async function loadRuns(sel: HTMLSelectElement) {
    try {
      const { items } = await api<{ items: Array<{ id: number; recipientCount: number; createdAt: string }> }>(
        'GET',
        `/api/cases/${ctx.caseId}/notification-runs`,
      );
      const current = sel.value;
      sel.replaceChildren(
        h('option', { value: '' }, 'None'),
        ...items.map((r) =>
          h(
            'option',
            { value: r.id, selected: String(r.id) === current },
            `Run ${r.id} (${r.recipientCount} addresses, ${formatDate(r.createdAt)})`,
          ),
        ),
      );
    } catch {
      // the run is optional: the letter count can be typed
    }
  }

  ctx.on('check', () => void load());
  ctx.on('run', () => void load());
  ctx.on('document', () => void load());
  ctx.map?.on('site-saved', () => void load());
  void load();
}

function requirementsTable(reqs: Requirement[]) {
  if (!reqs.length)
    return h('p', { class: 'govuk-body' }, 'No statutory publicity is needed for this type of application.');
  return h(
    'table',
    { class: 'govuk-table', id: `${P}requirements` },
    h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Publicity required, with its legal basis'),
    h(
      'thead',
      { class: 'govuk-table__head' },
      h(
        'tr',
        { class: 'govuk-table__row' },
        ['What', 'Legal basis', 'At least', 'Why'].map((t) =>
          h('th', { class: 'govuk-table__header', scope: 'col' }, t),
        ),
      ),
    ),
    h(
      'tbody',
      { class: 'govuk-table__body' },
      reqs.map((r) =>
        h(
          'tr',
          { class: 'govuk-table__row', 'data-kind': r.kind },
          h(
            'td',
            { class: 'govuk-table__cell' },
            KIND_LABEL[r.kind] ?? r.kind,
            r.either ? h('span', { class: 'govuk-body-s' }, ` (${STATUS_LABEL['one-of']!.toLowerCase()})`) : null,
          ),
          h('td', { class: 'govuk-table__cell' }, r.legalBasis, r.source === 'sci' ? ' (the council’s SCI)' : ''),
          h('td', { class: 'govuk-table__cell' }, r.minimumDays === null ? '–' : `${r.minimumDays} days`),
          h('td', { class: 'govuk-table__cell' }, r.because),
        ),
      ),
    ),
  );
}

function eventDetails(e: EventView): string {
  const parts: string[] = [];
  if (e.noticeCount) parts.push(`${e.noticeCount} notice${e.noticeCount === 1 ? '' : 's'}`);
  if (e.places?.length) parts.push(`at ${e.places.join('; ')}`);
  if (e.newspaper)
    parts.push(
      `in ${e.newspaper}${e.editionDate && e.editionDate !== e.date ? ` (edition ${formatDate(e.editionDate)})` : ''}`,
    );
  if (e.letterCount) parts.push(`${e.letterCount} letter${e.letterCount === 1 ? '' : 's'}`);
  if (e.runId) parts.push(`run ${e.runId}`);
  if (e.notes) parts.push(e.notes);
  if (e.recordedBy) parts.push(`recorded by ${e.recordedBy}`);
  return parts.join(', ') || '–';
}

function todayIso(): string {
  return todayInLondon();
}
