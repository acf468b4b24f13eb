/** Helpers for tests of the staff pages' HTML forms. */
import { expect } from 'vitest';
import type { TestApp } from './app.ts';

/** A case made through the API as admin (received 3 February 2025, "Rear extension" unless `body` says otherwise). */
export async function makeCase(t: TestApp, body: Record<string, unknown>) {
  const res = await t
    .as('admin')
    .post('/api/cases')
    .send({ receivedDate: '2025-02-03', description: 'Rear extension', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: number; reference: string; version: number };
}

/** The text of a GOV.UK field's error message (the element `<id>-error`), tags and runs of spaces removed. */
export const fieldError = (html: string, id: string) =>
  new RegExp(`id="${id}-error"[^>]*>([\\s\\S]*?)</p>`)
    .exec(html)?.[1]
    ?.replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
