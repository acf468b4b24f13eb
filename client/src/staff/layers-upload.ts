/**
 * The layers page's upload forms: the chosen file goes as the body of PUT /api/layers/:id/data (with the field
 * mapping as query parameters), the load runs as a job (202 + GET /api/jobs/:id), and its progress and then its
 * report (or its error) are written into the form's live region as they come.
 */

interface JobView {
  id: number;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  url?: string;
  progress?: Array<{ at: string; message: string }>;
  report?: LoadReport | null;
  error?: { code: string; message: string } | null;
}
interface LoadReport {
  dataVersion: number;
  previousVersion: number;
  read: number;
  loaded: number;
  repaired: number;
  featureCount: number;
  skipped: Record<string, number>;
  skippedExamples?: Array<{ reason: string; reference: string | null; detail: string | null }>;
  notes?: string[];
}

const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** "grade=GRADE, listed=LIST_DATE" -> the `properties` query parameter's JSON object (null when blank). */
export function propertiesParam(text: string): string | null {
  const pairs = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => p.split('=').map((s) => s.trim()));
  if (!pairs.length) return null;
  if (pairs.some((p) => p.length !== 2 || !p[0] || !p[1]))
    throw new Error('Write the other properties as target=SOURCE pairs separated by commas.');
  return JSON.stringify(Object.fromEntries(pairs));
}

function show(status: HTMLElement, job: JobView | null, heading: string, tone: 'info' | 'ok' | 'error') {
  status.replaceChildren();
  const h = el('p', `govuk-body govuk-!-font-weight-bold${tone === 'error' ? ' govuk-error-message' : ''}`, heading);
  status.append(h);
  if (job?.progress?.length) {
    const ol = el('ol', 'govuk-list govuk-list--number govuk-body-s');
    for (const p of job.progress) ol.append(el('li', '', p.message));
    status.append(ol);
  }
  const r = job?.report;
  if (r) {
    const skipped = Object.entries(r.skipped ?? {}).filter(([, n]) => n > 0);
    const dl = el('dl', 'govuk-summary-list govuk-summary-list--no-border');
    const row = (k: string, v: string) => {
      const d = el('div', 'govuk-summary-list__row');
      d.append(el('dt', 'govuk-summary-list__key', k), el('dd', 'govuk-summary-list__value', v));
      dl.append(d);
    };
    row('Data version', `${r.previousVersion} → ${r.dataVersion}`);
    row('Features read', String(r.read));
    row('Features loaded', String(r.loaded));
    row('Repaired', String(r.repaired));
    row('Skipped', skipped.length ? skipped.map(([k, n]) => `${n} ${k.replace(/-/g, ' ')}`).join(', ') : 'None');
    status.append(dl);
    for (const note of r.notes ?? []) status.append(el('p', 'govuk-inset-text govuk-body-s', note));
    if (r.skippedExamples?.length) {
      const ul = el('ul', 'govuk-list govuk-list--bullet govuk-body-s');
      for (const x of r.skippedExamples.slice(0, 10))
        ul.append(el('li', '', `${x.reference ?? 'no reference'}: ${x.reason}${x.detail ? ` (${x.detail})` : ''}`));
      status.append(el('p', 'govuk-body-s', 'Examples of what was skipped:'), ul);
    }
  }
}

async function follow(job: JobView, status: HTMLElement): Promise<JobView> {
  let current = job;
  while (current.status === 'queued' || current.status === 'running') {
    show(status, current, current.status === 'queued' ? 'Waiting to start…' : 'Loading…', 'info');
    await sleep(POLL_MS);
    const res = await fetch(current.url ?? `/api/jobs/${current.id}`, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    if (res.status === 401) throw new Error('Your session has ended. Sign in again and upload the file again.');
    if (!res.ok) throw new Error(`Could not read the load's progress (HTTP ${res.status}).`);
    current = (await res.json()) as JobView;
  }
  return current;
}

async function upload(form: HTMLFormElement, status: HTMLElement, button: HTMLButtonElement | null) {
  const layerId = form.dataset.layerId!;
  const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
  if (!file) {
    show(status, null, 'Choose a file to upload.', 'error');
    return;
  }
  const value = (name: string) => {
    const f = form.elements.namedItem(name) as HTMLInputElement | RadioNodeList | null;
    return (f && 'value' in f ? f.value : '').trim();
  };
  const q = new URLSearchParams({ filename: file.name });
  for (const name of ['reference', 'name', 'sourceLayer', 'sourceCrs']) if (value(name)) q.set(name, value(name));
  const coverage = value('coverage');
  if (coverage) q.set('coverage', coverage);
  const repair = form.querySelector<HTMLInputElement>('input[name="repair"]');
  if (repair?.checked) q.set('repair', 'true');
  const props = propertiesParam(value('properties'));
  if (props) q.set('properties', props);

  if (button) button.disabled = true;
  show(status, null, `Uploading ${file.name}…`, 'info');
  try {
    const res = await fetch(`/api/layers/${encodeURIComponent(layerId)}/data?${q.toString()}`, {
      method: 'PUT',
      credentials: 'same-origin',
      headers: {
        'content-type': file.type || 'application/octet-stream',
        accept: 'application/json',
        // the data version this page showed: a load made since by someone else is refused (412), not overwritten
        'if-match': form.dataset.layerEtag ?? '*',
      },
      body: file,
    });
    const body = (await res.json().catch(() => ({}))) as JobView & { error?: { message: string }; job?: JobView };
    if (res.status === 401) throw new Error('Your session has ended. Sign in again and upload the file again.');
    if (res.status === 412)
      throw new Error(
        `Someone else loaded this layer since this page was opened: ${body.error?.message ?? ''} Reload the page to see the data now loaded, then upload again if yours is still wanted.`,
      );
    if (!res.ok && res.status !== 202)
      throw new Error(body.error?.message ?? `The upload failed (HTTP ${res.status}).`);
    // 202 + a job (the contract); a server that loads at once answers 200 with the report itself
    const job: JobView =
      'status' in body ? body : { id: 0, status: 'succeeded', report: body as unknown as LoadReport };
    const done = await follow(job, status);
    if (done.status === 'succeeded')
      show(status, done, 'The layer is loaded. Reload the page to see its new figures.', 'ok');
    else show(status, done, `The load failed: ${done.error?.message ?? 'no reason given'}`, 'error');
  } catch (e) {
    show(status, null, (e as Error).message, 'error');
  } finally {
    if (button) button.disabled = false;
  }
}

export function startLayerUploads(root: ParentNode = document): void {
  for (const form of root.querySelectorAll<HTMLFormElement>('form[data-module="redline-layer-upload"]')) {
    const status = form.querySelector<HTMLElement>('.redline-upload-status')!;
    const button = form.querySelector<HTMLButtonElement>('button');
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void upload(form, status, button);
    });
  }
}
