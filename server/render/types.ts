/** What the renderer is given. The renderer is a pure drawing library: server/modules/maps gathers these from the
 *  database (cases, runs, checks, layers, map_features.sql) and hands them over; nothing here runs a query. */
import type { FlatStyle } from '../../shared/layer-schema.ts';
import type { Box, Dpi, Orientation, Paper, Sheet } from './layout.ts';

export const MAP_TEMPLATES = ['site-location', 'neighbours', 'constraints'] as const;
export type MapTemplate = (typeof MAP_TEMPLATES)[number];

export const TEMPLATE_TITLES: Record<MapTemplate, string> = {
  'site-location': 'Site location plan',
  neighbours: 'Neighbour notification map',
  constraints: 'Constraints map',
};

export interface MapOptions {
  paper: Paper;
  orientation: Orientation;
  scale: number | 'fit';
  dpi: Dpi;
}

/** A constraint layer drawn on the map: its style, key label and attribution. */
export interface MapLayer {
  id: string;
  title: string;
  style: FlatStyle;
  attribution: string | null;
}

/** A notified address: its number in the run's list and its point, EPSG:27700 metres. */
export interface MapRecipient {
  number: number;
  x: number;
  y: number;
}

/** What a map is of, in ground terms (EPSG:27700 metres), before a scale is chosen. */
export interface MapContent {
  template: MapTemplate;
  title: string;
  reference: string | null;
  address: string | null;
  layers: MapLayer[];
  recipients: MapRecipient[];
  /** the key label of the selection area (neighbour maps) */
  selectionLabel?: string;
  /** ground box that must be in view with its context (what "fit" fits) */
  content: Box;
  /** what must fit at a fixed scale: the red line, and on a neighbour map every notified address and the area */
  mustFit: Box;
}

/** The sheet, the scale chosen and the ground extent its map frame shows. */
export interface FramePlan {
  sheet: Sheet;
  scale: number;
  /** what fit chose, e.g. "fitted to the site" */
  scaleNote?: string;
  /** the frame's ground extent, EPSG:27700 */
  extent: Box;
  /** ground metres per sheet pixel */
  res: number;
}

/** One style class of sql/queries/map_features.sql: path data and points in frame pixels, features drawn. */
export interface MapFeatureRow {
  class: string;
  d: string | null;
  pts: number[][] | null;
  n: number;
}

/** Everything a sheet is drawn from. */
export interface SceneInput {
  content: MapContent;
  frame: FramePlan;
  features: MapFeatureRow[];
  authority: { name: string; copyrightStatement: string | null };
  /** the property outlines drawn include OpenStreetMap data (ODbL attribution) */
  osmProperties: boolean;
  /** constraints maps: the part of the site (and of a rule's reach) the checked layers' data does not cover */
  uncovered?: { d: string | null; siteM2: number; reachM2: number; layers: string[] } | null;
}

export type { Box, Dpi, Orientation, Paper, Sheet };
