/** The public tiles' routes in the OpenAPI document (server/http/openapi.ts spreads them into its paths). */

interface Helpers {
  err: (description: string) => object;
}

const gridParam = {
  name: 'grid',
  in: 'path',
  required: true,
  schema: { type: 'string', enum: ['os27700', 'webmercator'] },
  description: 'os27700: the OS Maps API ZXY grid in EPSG:27700 (zoom 0..13); webmercator: EPSG:3857 XYZ (zoom 0..20)',
};

export function publicTileOpenApiPaths({ err }: Helpers) {
  return {
    '/api/public/tiles/{grid}.json': {
      get: {
        tags: ['register'],
        summary:
          "TileJSON 3.0.0 of the register's vector tiles (no account): the tile URL carries the current data version; bounds, min/max zoom, vector_layers; for os27700 the OS grid's origin and resolutions in tile_grid. ETag + Cache-Control: public, max-age=60",
        parameters: [gridParam],
        responses: {
          '200': { description: 'TileJSON', content: { 'application/json': { schema: { type: 'object' } } } },
          '304': { description: 'Not modified (If-None-Match)' },
          '404': err('NOT_FOUND (no such grid)'),
        },
      },
    },
    '/api/public/tiles/{grid}/{version}/{z}/{x}/{y}.mvt': {
      get: {
        tags: ['register'],
        summary:
          "A vector tile (MVT) of published applications (no account), source-layer 'applications' (points clustered zoomed out, with a count; each site outline zoomed in; properties reference, slug, status, application_type, decision, count). Cache-Control: public, max-age=31536000, immutable",
        parameters: [
          gridParam,
          {
            name: 'version',
            in: 'path',
            required: true,
            schema: { type: 'integer', minimum: 0 },
            description: 'the public data version from the TileJSON; an older one answers 301 to the current one',
          },
          ...['z', 'x', 'y'].map((name) => ({
            name,
            in: 'path',
            required: true,
            schema: { type: 'integer', minimum: 0 },
          })),
        ],
        responses: {
          '200': { description: 'The tile', content: { 'application/vnd.mapbox-vector-tile': {} } },
          '204': { description: 'Nothing in this tile' },
          '301': {
            description: 'An older data version: Location is the same tile at the current version (max-age=60)',
          },
          '304': { description: 'Not modified (If-None-Match)' },
          '404': err(
            'NOT_FOUND: no such grid or tile, or a data version newer than the current one (Cache-Control: no-store)',
          ),
        },
      },
    },
  };
}
