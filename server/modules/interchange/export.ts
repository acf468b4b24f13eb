/**
 * The published register as planning.data.gov.uk `planning-application` data: CSV (geometry and point as WKT in
 * WGS84) and GeoJSON (RFC 7946, WGS84). The columns are the specification's fields of the dataset, in the order of
 * its dataset-field table (spec/planning-application-fields.csv, copied from digital-land/specification); only the
 * public view public_application is read. Fields Redline has no public value for are empty (README "Data exports and imports":
 * entity is allocated by planning.data.gov.uk when it collects the data; uprn, development-classification and
 * planning-decision-type are not in the public view; notes, name and end-date have nothing to say).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExportRow } from './repo.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The specification's fields of `planning-application`, in order (the header of the CSV). */
export const PLANNING_APPLICATION_FIELDS: readonly string[] = fs
  .readFileSync(path.join(here, 'spec', 'planning-application-fields.csv'), 'utf8')
  .split('\n')
  .slice(1)
  .filter((l) => l.trim())
  .map((l) => l.split(',')[1]!);

export interface ExportContext {
  organisation: string | null;
  /** the register's origin, e.g. https://planning.example.gov.uk */
  origin: string;
}

/** One application's fields (every field of the specification, '' when Redline publishes no value). */
export function fieldsOf(row: ExportRow, ctx: ExportContext): Record<string, string> {
  const v: Record<string, string> = {
    uprn: '',
    'address-text': row.siteAddress ?? '',
    'decision-date': row.decisionDate ?? '',
    description: row.proposal,
    'development-classification': '',
    'documentation-url': `${ctx.origin}/register/applications/${encodeURIComponent(row.slug)}`,
    'end-date': '',
    entity: '',
    'entry-date': row.entryDate,
    geometry: row.geometryWkt ?? '',
    'ground-area': row.areaM2 === null ? '' : String(row.areaM2),
    name: '',
    notes: '',
    organisation: ctx.organisation ? `local-authority:${ctx.organisation}` : '',
    point: row.pointWkt ?? '',
    'planning-application-status': row.status,
    'planning-application-type': row.applicationType,
    'planning-decision': row.decision ?? '',
    'planning-decision-type': '',
    prefix: 'planning-application',
    reference: row.reference,
    'start-date': row.receivedDate,
  };
  return Object.fromEntries(PLANNING_APPLICATION_FIELDS.map((f) => [f, v[f] ?? '']));
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled; lines end CRLF. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
export const csvLine = (values: readonly string[]) => `${values.map(csvField).join(',')}\r\n`;

export function csvRow(row: ExportRow, ctx: ExportContext): string {
  const f = fieldsOf(row, ctx);
  return csvLine(PLANNING_APPLICATION_FIELDS.map((k) => f[k]!));
}

/** A GeoJSON Feature: the site (WGS84) as its geometry (null when the application has no site yet), the other
 *  fields as properties (point as WKT, as in the CSV). */
export function geoJsonFeature(row: ExportRow, ctx: ExportContext) {
  const { geometry: _g, ...properties } = fieldsOf(row, ctx);
  return {
    type: 'Feature' as const,
    id: row.reference,
    geometry: row.geometryJson ? (JSON.parse(row.geometryJson) as unknown) : null,
    properties,
  };
}
