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
  /** the year the copyright statement is dated: the document's year (default: the current year) */
  year?: number;
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
  /** the copyright statement if every source were drawn (the panel is sized for it before the features are read) */
  copyrightEstimate?: string[];
  /** key labels of the base layers that may be drawn */
  baseLabels?: string[];
  /** key label of the authority boundary, when it may be drawn */
  boundaryLabel?: string;
  /** a site history's other cases: the box of their sites (fitted with the red line) and their key label */
  historyBox?: Box | null;
  historyLabel?: string;
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
  authority: {
    name: string;
    copyrightStatement: string | null;
    /** the authority's OS licence number (authority details), stated after the Crown copyright */
    osLicenceNumber?: string | null;
    /** who holds the copyright in the plan (authority details) */
    copyrightOwner?: string | null;
  };
  /** the year the copyright statement is dated (the document's) */
  year: number;
  /** the property outlines drawn include OpenStreetMap data (ODbL attribution) */
  osmProperties: boolean;
  /** the base layers with features in the frame (their key titles) */
  baseLayers?: Array<{ kind: string; title: string; attribution: string }>;
  /** base map labels in the frame: road and railway names along their lines, building numbers or names, water */
  baseLabels?: Array<{ kind: string; label: string; parts: number[][][]; w: number | null; h: number | null }>;
  /** constraint features' labels (name or the report's number) at a point of each, in frame pixels */
  featureLabels?: Array<{ of: string; text: string; kind: 'area' | 'point'; x: number; y: number; fill: string }>;
  /** constraints maps: the part of the site (and of a rule's reach) the checked layers' data does not cover */
  uncovered?: { d: string | null; siteM2: number; reachM2: number; layers: string[] } | null;
}

export type { Box, Dpi, Orientation, Paper, Sheet };
