/** The staff map's routes in the OpenAPI document (server/http/openapi.ts spreads them into its paths). */
import { PERMISSIONS } from '../../../shared/roles.ts';

interface Helpers {
  staff: (roles: readonly string[]) => object;
  err: (description: string) => object;
  common: Record<string, object>;
}

const tileParams = ['z', 'x', 'y'].map((name) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 0 },
  description:
    name === 'z' ? 'OS grid zoom 0..13 (896 m a pixel at 0, halving)' : `${name} on the OS grid at that zoom (y down)`,
}));
const tileErrors = (err: Helpers['err']) => ({
  '304': { description: 'Not modified (If-None-Match matched the ETag)' },
  '400': err('INVALID_TILE (z, x or y not a whole number)'),
});

export function tileOpenApiPaths({ staff, err, common }: Helpers) {
  const read = staff(PERMISSIONS.referenceRead);
  return {
    '/api/tiles': {
      get: {
        tags: ['maps'],
        summary:
          "The staff map's layers: authority boundary, property outlines, address points, case sites and every active constraint layer, each with its OpenLayers flat style, legend, minimum zoom and tile URL; and the OS tile grid (EPSG:27700)",
        ...read,
        responses: {
          '200': { description: '{ layers: [{ id, title, kind, minZoom, style, legend, url }], grid }' },
          ...common,
        },
      },
    },
    '/api/tiles/{layer}/{z}/{x}/{y}.mvt': {
      get: {
        tags: ['maps'],
        summary:
          'A vector tile (MVT, extent 4096, buffer 64) of a layer on the OS grid in EPSG:27700; source-layer = the layer id. Cache-Control: private, max-age=60; ETag from the data version. 204 when empty.',
        ...read,
        parameters: [{ name: 'layer', in: 'path', required: true, schema: { type: 'string' } }, ...tileParams],
        responses: {
          '200': {
            description: 'The tile',
            content: { 'application/vnd.mapbox-vector-tile': { schema: { type: 'string', format: 'binary' } } },
          },
          '204': { description: 'Nothing in this tile (or below the layer’s minimum zoom)' },
          ...tileErrors(err),
          '404': err('LAYER_NOT_FOUND, TILE_OUT_OF_RANGE'),
          ...common,
        },
      },
    },
    '/api/features': {
      get: {
        tags: ['maps'],
        summary:
          'The whole, un-clipped geometries (EPSG:27700 GeoJSON) of the chosen layers’ features touching a box, for snapping; at most 2000 (then truncated: true)',
        ...read,
        parameters: [
          {
            name: 'bbox',
            in: 'query',
            required: true,
            schema: { type: 'string', example: '533000,179000,533200,179200' },
            description: 'minx,miny,maxx,maxy in EPSG:27700 metres, at most 10 km each way',
          },
          {
            name: 'layers',
            in: 'query',
            required: true,
            schema: { type: 'string', example: 'properties,conservation-area' },
            description: 'layer ids separated by commas (as in GET /api/tiles)',
          },
        ],
        responses: {
          '200': { description: 'GeoJSON FeatureCollection (EPSG:27700) with truncated' },
          '400': err('VALIDATION_FAILED'),
          '404': err('LAYER_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/api/properties/at': {
      get: {
        tags: ['maps'],
        summary: 'The property outline containing a point (EPSG:27700), with its UPRNs and addresses',
        ...read,
        parameters: ['x', 'y'].map((name) => ({
          name,
          in: 'query',
          required: true,
          schema: { type: 'number' },
          description: `${name === 'x' ? 'easting' : 'northing'}, EPSG:27700 metres`,
        })),
        responses: {
          '200': { description: 'GeoJSON Feature (EPSG:27700), properties { reference, uprns, addresses }' },
          '400': err('VALIDATION_FAILED'),
          '404': err('NO_PROPERTY_HERE'),
          ...common,
        },
      },
    },
    '/api/basemap': {
      get: {
        tags: ['maps'],
        summary: 'Whether an Ordnance Survey base map is configured (OS_MAPS_API_KEY), its styles and attribution',
        ...read,
        responses: { '200': { description: '{ configured, layers, attribution, url }' }, ...common },
      },
    },
    '/api/basemap/{style}/{z}/{x}/{y}.png': {
      get: {
        tags: ['maps'],
        summary:
          'An OS Maps API raster tile (EPSG:27700 ZXY), fetched with the server’s key (never sent to the browser)',
        ...read,
        parameters: [
          {
            name: 'style',
            in: 'path',
            required: true,
            schema: { type: 'string', enum: ['Road_27700', 'Light_27700', 'Outdoor_27700'] },
          },
          ...tileParams,
        ],
        responses: {
          '200': {
            description: 'The tile',
            content: { 'image/png': { schema: { type: 'string', format: 'binary' } } },
          },
          '400': err('INVALID_TILE'),
          '404': err('BASEMAP_NOT_CONFIGURED, BASEMAP_STYLE_NOT_FOUND, TILE_OUT_OF_RANGE'),
          '502': err('BASEMAP_UPSTREAM_FAILED (the OS Maps API failed, timed out or could not be reached)'),
          ...common,
        },
      },
    },
  };
}
