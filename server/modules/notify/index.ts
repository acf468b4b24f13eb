/**
 * Sending email to residents (alert confirmations and alerts, comment acknowledgements). One interface, two
 * implementations chosen by configuration (createNotifier): GOV.UK Notify (notifications-node-client) when
 * NOTIFY_API_KEY is set, else a recording notifier that stores each message in table notify_outbox (the default,
 * and what tests read). Templates are named here ('alert-confirm', …) and mapped to Notify template ids from
 * configuration (NOTIFY_TEMPLATE_ALERT_CONFIRM, …).
 *
 * Addresses and personalisation are personal data: never logged (errors name the template and Notify's error
 * codes only) and never in a public response.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { NotifyClient } from 'notifications-node-client';
import type { Config } from '../../config/index.ts';
import { insertOutbox } from './repo.ts';

export interface NotifyMessage {
  /** the template's name, e.g. 'alert-confirm' (see NOTIFY_TEMPLATES) */
  template: string;
  /** the email address */
  to: string;
  personalisation: Record<string, string>;
  /** our own reference for the message (no personal data): e.g. "alert-12" */
  reference?: string;
  /** RFC 8058 one-click unsubscribe URL: Notify sends it as the List-Unsubscribe header */
  unsubscribeUrl?: string;
}

export interface Notifier {
  send(msg: NotifyMessage): Promise<{ id: string }>;
}

/** Template names and the configuration variable holding each one's GOV.UK Notify template id. */
export const NOTIFY_TEMPLATES = {
  'alert-confirm': 'NOTIFY_TEMPLATE_ALERT_CONFIRM',
  'alert-new-applications': 'NOTIFY_TEMPLATE_ALERT_NEW_APPLICATIONS',
  'comment-acknowledgement': 'NOTIFY_TEMPLATE_COMMENT_ACKNOWLEDGEMENT',
} as const satisfies Record<string, keyof Config>;

export type TemplateName = keyof typeof NOTIFY_TEMPLATES;

/** Stores every message in notify_outbox instead of sending it. */
export class RecordingNotifier implements Notifier {
  constructor(private readonly db: Knex) {}

  async send(msg: NotifyMessage): Promise<{ id: string }> {
    return insertOutbox(this.db, msg);
  }
}

/** An error from sending, without the address or personalisation (safe to log). */
export class NotifyError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'NotifyError';
  }
}

interface NotifyErrorBody {
  errors?: Array<{ error?: string; message?: string }>;
}

/** GOV.UK Notify through notifications-node-client; baseUrl for a stub server (tests) or a proxy. */
export class GovUkNotifier implements Notifier {
  private readonly client: NotifyClient;

  constructor(
    apiKey: string,
    private readonly templateIds: Record<string, string | undefined>,
    baseUrl?: string,
  ) {
    this.client = baseUrl ? new NotifyClient(baseUrl, apiKey) : new NotifyClient(apiKey);
  }

  async send(msg: NotifyMessage): Promise<{ id: string }> {
    const templateId = this.templateIds[msg.template];
    if (!templateId) {
      const variable = NOTIFY_TEMPLATES[msg.template as TemplateName] ?? 'a NOTIFY_TEMPLATE_* variable';
      throw new NotifyError(`No GOV.UK Notify template id for "${msg.template}": set ${variable}.`);
    }
    try {
      const res = await this.client.sendEmail(templateId, msg.to, {
        personalisation: msg.personalisation,
        reference: msg.reference,
        oneClickUnsubscribeURL: msg.unsubscribeUrl,
      });
      return { id: String((res.data as { id: string }).id) };
    } catch (e) {
      // axios errors carry the request (with the address): keep only the status and Notify's error codes
      const err = e as { response?: { status?: number; data?: NotifyErrorBody }; code?: string };
      const status = err.response?.status;
      const codes = (err.response?.data?.errors ?? []).map((x) => x.error ?? 'error').join(', ');
      throw new NotifyError(
        `GOV.UK Notify refused "${msg.template}"${status ? ` (HTTP ${status}${codes ? `: ${codes}` : ''})` : ` (${err.code ?? 'no response'})`}`,
        status,
      );
    }
  }
}

/** GOV.UK Notify when NOTIFY_API_KEY is set, else the recording notifier (notify_outbox). */
export function createNotifier(config: Config, db: Knex, log?: Logger): Notifier {
  if (!config.NOTIFY_API_KEY) return new RecordingNotifier(db);
  const ids = Object.fromEntries(Object.entries(NOTIFY_TEMPLATES).map(([name, key]) => [name, config[key]]));
  const missing = Object.entries(NOTIFY_TEMPLATES)
    .filter(([name]) => !ids[name])
    .map(([, key]) => key);
  if (missing.length) log?.warn({ missing }, 'GOV.UK Notify: template ids not set; those messages will fail');
  return new GovUkNotifier(config.NOTIFY_API_KEY, ids, config.NOTIFY_API_URL);
}
