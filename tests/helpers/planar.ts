/** Independent planar geometry (JSTS, a port of JTS) on EPSG:27700 coordinates, to cross-check PostGIS/GEOS. */
import GeometryFactory from 'jsts/org/locationtech/jts/geom/GeometryFactory.js';
import GeoJSONReader from 'jsts/org/locationtech/jts/io/GeoJSONReader.js';
import SnapIfNeededOverlayOp from 'jsts/org/locationtech/jts/operation/overlay/snap/SnapIfNeededOverlayOp.js';
import DistanceOp from 'jsts/org/locationtech/jts/operation/distance/DistanceOp.js';

export type Position = [number, number];
export interface PolygonGeom {
  type: 'Polygon';
  coordinates: Position[][];
}
export interface MultiPolygonGeom {
  type: 'MultiPolygon';
  coordinates: Position[][][];
}
export interface PointGeom {
  type: 'Point';
  coordinates: Position;
}
export type Geom = PolygonGeom | MultiPolygonGeom | PointGeom;

const reader = new GeoJSONReader(new GeometryFactory());
const read = (g: Geom) => reader.read(g as never);

/** Planar area of the intersection, m² */
export function jstsOverlapM2(a: Geom, b: Geom): number {
  return Number(SnapIfNeededOverlayOp.intersection(read(a), read(b)).getArea());
}
/** Planar area, m² */
export function jstsAreaM2(a: Geom): number {
  return read(a).getArea();
}
/** Planar minimum distance, m (0 when they touch or overlap) */
export function jstsDistanceM(a: Geom, b: Geom): number {
  return Number(DistanceOp.distance(read(a), read(b)));
}
