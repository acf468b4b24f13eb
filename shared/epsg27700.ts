/**
 * The one proj4 definition of British National Grid (EPSG:27700) used by the web client for previews.
 * It is PostGIS's own definition (spatial_ref_sys.proj4text for SRID 27700): Airy 1830 transverse Mercator
 * with the 7-parameter Helmert shift to WGS84. tests/db/crs.test.ts checks it agrees with PostGIS's
 * ST_Transform to under 1 mm. The Helmert shift itself is ±2–3.5 m from OSTN15; PostGIS stays the authority.
 */
export const EPSG_27700_PROJ4 =
  '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy ' +
  '+towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs';

export const EPSG_27700 = 'EPSG:27700';

/** Registers EPSG:27700 with a proj4 instance (the client passes its own import of proj4). */
export function registerEpsg27700(proj4: { defs: (name: string, def: string) => void }) {
  proj4.defs(EPSG_27700, EPSG_27700_PROJ4);
}
