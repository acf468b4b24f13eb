/** Registers the one EPSG:27700 definition (shared/epsg27700.ts) with OpenLayers' proj4 bridge. */
import proj4 from 'proj4';
import { register } from 'ol/proj/proj4.js';
import { registerEpsg27700 } from '../../../shared/epsg27700.ts';

let done = false;

export function useBritishNationalGrid(): void {
  if (done) return;
  registerEpsg27700(proj4);
  register(proj4);
  done = true;
}
