/** Small DOM builders for the panels: GOV.UK Frontend markup (buttons, fields, tags, error summaries). */
import { ApiError, signInUrl } from './api.ts';
import { fieldOfIssue, type FieldError } from './format.ts';

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** An element: attributes (on* functions become listeners; false/null are left out) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Child | Child[]>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Replaces an element's children, leaving out the null and false ones. */
export function fill(el: HTMLElement, ...children: Child[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

export function button(text: string, attrs: Attrs = {}, kind: 'primary' | 'secondary' | 'warning' = 'primary') {
  const cls = `govuk-button${kind === 'primary' ? '' : ` govuk-button--${kind}`}${attrs.class ? ` ${String(attrs.class)}` : ''}`;
  return h('button', { type: 'button', 'data-module': 'govuk-button', ...attrs, class: cls }, text);
}

/** A small inline button that looks like a link (for actions inside lists). */
export function linkButton(text: string, attrs: Attrs = {}) {
  return h(
    'button',
    { type: 'button', ...attrs, class: `redline-link-button govuk-link ${String(attrs.class ?? '')}` },
    text,
  );
}

export function tag(text: string, colour?: string) {
  return h('strong', { class: `govuk-tag${colour ? ` govuk-tag--${colour}` : ''}` }, text);
}

/** A labelled form group holding a control; its error message appears above the control. */
export function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLDivElement {
  control.id = id;
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h(
    'div',
    { class: 'govuk-form-group', 'data-field-for': id },
    h('label', { class: 'govuk-label', for: id }, label),
    hint ? h('div', { class: 'govuk-hint', id: `${id}-hint` }, hint) : null,
    control,
  );
}

export const input = (attrs: Attrs = {}) => h('input', { class: 'govuk-input', type: 'text', ...attrs });
export const textarea = (attrs: Attrs = {}) => h('textarea', { class: 'govuk-textarea', rows: 3, ...attrs });
export function select(options: Array<[string, string]>, attrs: Attrs = {}, selected?: string) {
  return h(
    'select',
    { class: 'govuk-select', ...attrs },
    options.map(([value, text]) => h('option', { value, selected: value === selected }, text)),
  );
}

/** GOV.UK radios in a fieldset with a legend. */
export function radios(
  name: string,
  legend: string,
  items: Array<{ value: string; label: string; id: string; checked?: boolean }>,
  onChange?: (value: string) => void,
  inline = false,
) {
  return h(
    'div',
    { class: 'govuk-form-group', 'data-field-for': items[0]?.id ?? name },
    h(
      'fieldset',
      { class: 'govuk-fieldset' },
      h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--s' }, legend),
      h(
        'div',
        {
          class: `govuk-radios govuk-radios--small${inline ? ' govuk-radios--inline' : ''}`,
          'data-module': 'govuk-radios',
        },
        items.map((it) =>
          h(
            'div',
            { class: 'govuk-radios__item' },
            h('input', {
              class: 'govuk-radios__input',
              type: 'radio',
              id: it.id,
              name,
              value: it.value,
              checked: Boolean(it.checked),
              onchange: () => onChange?.(it.value),
            }),
            h('label', { class: 'govuk-label govuk-radios__label', for: it.id }, it.label),
          ),
        ),
      ),
    ),
  );
}

/** A summary list (key/value rows). */
export function summaryList(rows: Array<[string, Child | Child[]]>, attrs: Attrs = {}) {
  return h(
    'dl',
    { class: 'govuk-summary-list govuk-summary-list--no-border', ...attrs },
    rows.map(([k, v]) =>
      h(
        'div',
        { class: 'govuk-summary-list__row' },
        h('dt', { class: 'govuk-summary-list__key' }, k),
        h('dd', { class: 'govuk-summary-list__value' }, ...[v].flat()),
      ),
    ),
  );
}

export interface ErrorItem {
  /** the control's id; the message links to it and is shown beside it */
  id?: string;
  message: string;
  /** a page to go to instead (the sign-in page when the session has ended) */
  href?: string;
}

/**
 * Shows a GOV.UK error summary at the top of `form` (focused, unless `focus` is false: a live preview leaves the
 * focus where the user is typing) and each message beside its field; clears earlier ones first. An empty list
 * clears them.
 */
export function showErrors(form: HTMLElement, items: ErrorItem[], focus = true): void {
  form.querySelector(':scope > .govuk-error-summary')?.remove();
  for (const g of form.querySelectorAll('.govuk-form-group--error')) g.classList.remove('govuk-form-group--error');
  for (const m of form.querySelectorAll('.govuk-error-message[data-panel-error]')) m.remove();
  for (const c of form.querySelectorAll('.govuk-input--error, .govuk-textarea--error, .govuk-select--error'))
    c.classList.remove('govuk-input--error', 'govuk-textarea--error', 'govuk-select--error');
  if (!items.length) return;
  const summary = h(
    'div',
    { class: 'govuk-error-summary', 'data-module': 'govuk-error-summary', tabindex: -1 },
    h(
      'div',
      { role: 'alert' },
      h('h2', { class: 'govuk-error-summary__title' }, 'There is a problem'),
      h(
        'div',
        { class: 'govuk-error-summary__body' },
        h(
          'ul',
          { class: 'govuk-list govuk-error-summary__list' },
          items.map((it) =>
            h(
              'li',
              {},
              it.href
                ? h('a', { href: it.href }, it.message)
                : it.id && document.getElementById(it.id)
                  ? h('a', { href: `#${it.id}`, onclick: (e: Event) => focusField(e, it.id!) }, it.message)
                  : it.message,
            ),
          ),
        ),
      ),
    ),
  );
  form.prepend(summary);
  for (const it of items) {
    const control = it.id ? document.getElementById(it.id) : null;
    const group = control?.closest('.govuk-form-group');
    if (!control || !group) continue;
    group.classList.add('govuk-form-group--error');
    const cls = control.classList.contains('govuk-input')
      ? 'govuk-input--error'
      : control.classList.contains('govuk-textarea')
        ? 'govuk-textarea--error'
        : control.classList.contains('govuk-select')
          ? 'govuk-select--error'
          : null;
    if (cls) control.classList.add(cls);
    const msgId = `${it.id}-error`;
    const msg = h(
      'p',
      { class: 'govuk-error-message', id: msgId, 'data-panel-error': true },
      h('span', { class: 'govuk-visually-hidden' }, 'Error: '),
      it.message,
    );
    const label = group.querySelector('.govuk-hint') ?? group.querySelector('label, legend');
    if (label?.parentElement === group) label.after(msg);
    else group.prepend(msg);
    const described = new Set((control.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean));
    described.add(msgId);
    control.setAttribute('aria-describedby', [...described].join(' '));
  }
  if (focus) summary.focus();
}

function focusField(e: Event, id: string) {
  const el = document.getElementById(id);
  if (!el) return;
  e.preventDefault();
  el.scrollIntoView({ block: 'center' });
  el.focus();
}

/** Field errors from the panel's own checks, with their control ids (`prefix` + field). */
export function fieldErrors(prefix: string, errors: FieldError[]): ErrorItem[] {
  return errors.map((e) => ({ id: `${prefix}${e.field}`, message: e.message }));
}

/** An API error as error items: each issue beside its field when the panel has it; the message otherwise. */
export function apiErrorItems(e: unknown, prefix: string, fields: readonly string[]): ErrorItem[] {
  if (!(e instanceof ApiError)) return [{ message: e instanceof Error ? e.message : String(e) }];
  if (e.status === 401) return [{ message: e.message, href: signInUrl() }];
  const items: ErrorItem[] = [];
  for (const i of e.issues) {
    const f = fieldOfIssue(i.path, fields);
    items.push({ id: f ? `${prefix}${f}` : undefined, message: f ? sentence(i.message) : `${i.path}: ${i.message}` });
  }
  return items.length ? items : [{ message: e.message }];
}

const sentence = (m: string) => (m ? m[0]!.toUpperCase() + m.slice(1) : m);

/** A polite live region's text (status messages after an action). */
export function announce(region: HTMLElement, text: string): void {
  region.textContent = '';
  window.setTimeout(() => (region.textContent = text), 50);
}

/** Runs an action with the button disabled (and aria-busy on the panel) while it runs. */
export async function busy<T>(btn: HTMLButtonElement | null, panel: HTMLElement, run: () => Promise<T>): Promise<T> {
  if (btn) btn.disabled = true;
  panel.setAttribute('aria-busy', 'true');
  try {
    return await run();
  } finally {
    if (btn) btn.disabled = false;
    panel.removeAttribute('aria-busy');
  }
}
