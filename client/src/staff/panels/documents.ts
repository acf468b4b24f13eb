/**
 * The documents panel (#documents-panel): preview the site location plan, neighbour map or constraints map as the
 * image the letters use, at the paper, orientation, scale and dpi chosen (GET /api/cases/:id/maps/:file); produce
 * letters and notices (POST /api/cases/:id/documents) and link to their PDFs.
 */
import { api, ApiError, type Issue } from './api.ts';
import {
  announce,
  apiErrorItems,
  busy,
  button,
  field,
  fieldErrors,
  h,
  input,
  select,
  showErrors,
  textarea,
} from './dom.ts';
import {
  documentBody,
  DOCUMENT_KIND_NAMES,
  formatDate,
  MAP_FILES,
  MAP_SCALES,
  mapImageUrl,
  type DocumentForm,
  type MapOptions,
} from './format.ts';
import type { PanelContext } from './types.ts';

interface DocumentItem {
  id: number;
  kind: string;
  title: string;
  runId: number | null;
  pages: number;
  bytes: number;
  recipients: number | null;
  createdBy: string | null;
  createdAt: string;
  pdf: string;
}

const P = 'documents-';
const DOC_FIELDS = [
  'kind',
  'date',
  'runId',
  'organisation',
  'name',
  'addressLines',
  'postcode',
  'conditions',
  'reasons',
  'withinM',
];

export function startDocumentsPanel(panel: HTMLElement, ctx: PanelContext): void {
  const status = h('div', { class: 'govuk-body', role: 'status', 'aria-live': 'polite', id: `${P}status` });
  const heading = panel.querySelector('h2');
  const list = h('div', { id: `${P}list` });
  let objectUrl: string | null = null;

  // --- map preview
  const mapSel = select(
    MAP_FILES.map((m): [string, string] => [m.template, m.label]),
    { name: 'map' },
  );
  const paper = select(
    [
      ['A4', 'A4'],
      ['A3', 'A3'],
    ],
    { name: 'paper' },
  );
  const orientation = select(
    [
      ['portrait', 'Portrait'],
      ['landscape', 'Landscape'],
    ],
    { name: 'orientation' },
  );
  const scale = select(
    MAP_SCALES.map((s): [string, string] => [s, s === 'fit' ? 'Fit the site' : `1:${s}`]),
    { name: 'scale' },
  );
  const dpi = select(
    [
      ['150', '150 dpi'],
      ['300', '300 dpi (print)'],
    ],
    { name: 'dpi' },
  );
  const previewBtn = button('Preview map', { id: `${P}preview` }, 'secondary');
  const figure = h('figure', { class: 'redline-map-preview', id: `${P}figure`, hidden: true });
  const mapForm = h(
    'div',
    { class: 'redline-panel__form', id: `${P}map-form` },
    h('h3', { class: 'govuk-heading-s' }, 'Maps'),
    h(
      'div',
      { class: 'redline-field-row' },
      field(`${P}map`, 'Map', mapSel),
      field(`${P}paper`, 'Paper', paper),
      field(`${P}orientation`, 'Orientation', orientation),
      field(`${P}scale`, 'Scale', scale),
      field(`${P}dpi`, 'Resolution', dpi),
    ),
    previewBtn,
    figure,
  );

  previewBtn.addEventListener('click', () =>
    busy(previewBtn, panel, async () => {
      showErrors(mapForm, []);
      const o: MapOptions = {
        template: mapSel.value,
        paper: paper.value as MapOptions['paper'],
        orientation: orientation.value as MapOptions['orientation'],
        scale: scale.value,
        dpi: dpi.value as MapOptions['dpi'],
      };
      const url = mapImageUrl(ctx.caseId, o);
      announce(status, 'Drawing the map…');
      try {
        const res = await fetch(url, { credentials: 'same-origin' });
        if (!res.ok) {
          const j = (await res.json().catch(() => null)) as {
            error?: { code?: string; message?: string; issues?: Issue[] };
          } | null;
          throw new ApiError(
            res.status,
            j?.error?.code ?? `HTTP_${res.status}`,
            j?.error?.message ?? `Redline answered ${res.status}.`,
            j?.error?.issues ?? [],
          );
        }
        const blob = await res.blob();
        if (objectUrl) URL.revokeObjectURL(objectUrl);
        objectUrl = URL.createObjectURL(blob);
        const label = MAP_FILES.find((m) => m.template === o.template)?.label ?? o.template;
        const shownScale = res.headers.get('X-Map-Scale') ?? (o.scale === 'fit' ? 'fitted' : `1:${o.scale}`);
        const caption = `${label} at ${shownScale} on ${o.paper} ${o.orientation}, ${o.dpi} dpi`;
        figure.replaceChildren(
          h('img', {
            src: objectUrl,
            alt: `${caption}. The same content is listed in the panels on this page.`,
            id: `${P}map-image`,
          }),
          h(
            'figcaption',
            { class: 'govuk-body-s' },
            `${caption}. `,
            h(
              'a',
              { class: 'govuk-link', href: url, target: '_blank', rel: 'noopener' },
              `Open the ${label.toLowerCase()} image (opens in a new tab)`,
            ),
          ),
        );
        figure.hidden = false;
        announce(status, `${caption} shown.`);
      } catch (e) {
        status.textContent = '';
        showErrors(mapForm, apiErrorItems(e, P, ['paper', 'orientation', 'scale', 'dpi']));
      }
    }),
  );

  // --- documents
  const kinds = DOCUMENT_KIND_NAMES.filter((k) => ctx.caseKind !== 'enforcement' || !k.applicationsOnly);
  const kind = select([['', 'Choose…'], ...kinds.map((k): [string, string] => [k.kind, k.name])], { name: 'kind' });
  const date = input({ type: 'date', class: 'govuk-input govuk-input--width-10', name: 'date' });
  const runId = select([['', 'The latest run']], { name: 'runId' });
  const record = h('input', {
    class: 'govuk-checkboxes__input',
    type: 'checkbox',
    id: `${P}record-event`,
    name: 'recordEvent',
  });
  const organisation = input({ name: 'organisation' });
  const personName = input({ name: 'name' });
  const addressLines = textarea({ name: 'addressLines', rows: 4 });
  const postcode = input({ class: 'govuk-input govuk-input--width-10', name: 'postcode' });
  const conditions = textarea({ name: 'conditions', rows: 5 });
  const reasons = textarea({ name: 'reasons', rows: 5 });
  const withinM = input({
    class: 'govuk-input govuk-input--width-5',
    inputmode: 'decimal',
    name: 'withinM',
    placeholder: '50',
  });
  const enforcement = h('input', {
    class: 'govuk-checkboxes__input',
    type: 'checkbox',
    id: `${P}include-enforcement`,
    name: 'includeEnforcement',
  });
  const checkbox = (box: HTMLInputElement, label: string) =>
    h(
      'div',
      { class: 'govuk-form-group' },
      h(
        'div',
        { class: 'govuk-checkboxes govuk-checkboxes--small' },
        h(
          'div',
          { class: 'govuk-checkboxes__item' },
          box,
          h('label', { class: 'govuk-label govuk-checkboxes__label', for: box.id }, label),
        ),
      ),
    );
  const groups: Record<string, HTMLElement[]> = {
    'neighbour-letter': [
      field(`${P}runId`, 'Notification run', runId, 'One letter to each address of the run'),
      checkbox(record, 'Record the letters as sent on the letter date'),
    ],
    'consultee-letter': [
      field(`${P}organisation`, 'Organisation', organisation),
      field(`${P}name`, 'Name (optional)', personName),
      field(`${P}addressLines`, 'Address', addressLines, 'One line per line, without the postcode'),
      field(`${P}postcode`, 'Postcode (optional)', postcode),
    ],
    'decision-notice': [
      field(
        `${P}conditions`,
        'Conditions (optional)',
        conditions,
        'Leave a blank line between conditions; end each with "Reason: …" (why it is imposed)',
      ),
      field(`${P}reasons`, 'Reasons (optional)', reasons, 'Leave a blank line between reasons'),
    ],
    'site-history': [
      field(
        `${P}withinM`,
        'Distance around the site, in metres (optional)',
        withinM,
        'Cases within this distance (default 50 m)',
      ),
      checkbox(enforcement, 'Include enforcement cases'),
    ],
  };
  const produceBtn = button('Produce', { id: `${P}produce` });
  const docForm = h(
    'div',
    { class: 'redline-panel__form', id: `${P}form` },
    h('h3', { class: 'govuk-heading-s' }, 'Letters and notices'),
    field(`${P}kind`, 'Document', kind),
    field(`${P}date`, 'Date on the document (optional)', date, 'Today if left blank'),
    ...Object.values(groups).flat(),
    produceBtn,
  );
  const showGroups = () => {
    for (const [k, els] of Object.entries(groups)) for (const el of els) el.hidden = kind.value !== k;
    if (kind.value === 'neighbour-letter') void loadRuns();
  };
  kind.addEventListener('change', showGroups);
  showGroups();

  produceBtn.addEventListener('click', () =>
    busy(produceBtn, panel, async () => {
      const f: DocumentForm = {
        kind: kind.value,
        date: date.value,
        runId: runId.value,
        recordEvent: record.checked,
        organisation: organisation.value,
        name: personName.value,
        addressLines: addressLines.value,
        postcode: postcode.value,
        conditions: conditions.value,
        reasons: reasons.value,
        withinM: withinM.value,
        includeEnforcement: enforcement.checked,
      };
      const b = documentBody(f);
      if ('errors' in b) {
        showErrors(docForm, fieldErrors(P, b.errors));
        return;
      }
      showErrors(docForm, []);
      announce(status, 'Producing the document…');
      try {
        const doc = await api<DocumentItem>('POST', `/api/cases/${ctx.caseId}/documents`, b.body);
        await loadList(doc.id);
        announce(status, `${doc.title} produced: ${doc.pages} page${doc.pages === 1 ? '' : 's'}.`);
        list.querySelector<HTMLAnchorElement>(`a[data-document-id="${doc.id}"]`)?.focus();
        ctx.emit('document');
      } catch (e) {
        status.textContent = '';
        showErrors(docForm, apiErrorItems(e, P, DOC_FIELDS));
      }
    }),
  );

  async function loadRuns() {
    try {
      const { items } = await api<{ items: Array<{ id: number; recipientCount: number; createdAt: string }> }>(
        'GET',
        `/api/cases/${ctx.caseId}/notification-runs`,
      );
      const current = runId.value;
      runId.replaceChildren(
        h('option', { value: '' }, 'The latest run'),
        ...items.map((r) =>
          h(
            'option',
            { value: r.id, selected: String(r.id) === current },
            `Run ${r.id} (${r.recipientCount} addresses, ${formatDate(r.createdAt)})`,
          ),
        ),
      );
    } catch {
      // the latest run is used
    }
  }

  async function loadList(newId?: number) {
    try {
      const { items } = await api<{ items: DocumentItem[] }>('GET', `/api/cases/${ctx.caseId}/documents`);
      list.replaceChildren(
        h('h3', { class: 'govuk-heading-s' }, 'Produced'),
        items.length
          ? h(
              'ul',
              { class: 'govuk-list', id: `${P}produced` },
              items.map((d) =>
                h(
                  'li',
                  { 'data-document-id': d.id, class: d.id === newId ? 'redline-new' : '' },
                  h(
                    'a',
                    { class: 'govuk-link', href: d.pdf, 'data-document-id': d.id, download: '' },
                    `Download PDF: ${d.title}`,
                  ),
                  ` (${d.pages} page${d.pages === 1 ? '' : 's'}${d.recipients ? `, ${d.recipients} letters` : ''}, ${formatDate(d.createdAt, true)}${d.createdBy ? ` by ${d.createdBy}` : ''})`,
                ),
              ),
            )
          : h('p', { class: 'govuk-body' }, 'No document has been produced for this case yet.'),
      );
    } catch (e) {
      list.replaceChildren(h('p', { class: 'govuk-body' }, e instanceof Error ? e.message : String(e)));
    }
  }

  panel.replaceChildren(heading ?? h('h2', { class: 'govuk-heading-m' }, 'Documents'), status, mapForm, docForm, list);
  panel.classList.add('redline-panel');
  ctx.on('run', () => void loadRuns());
  void loadList();
}
