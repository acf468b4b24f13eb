/** One error catalogue and one error type. Every 4xx/5xx Redline sends has the shape
 *  { "error": { "code", "message", "details" } } and comes from http/error-handler.ts. */

export const ERRORS = {
  // request shape
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // auth
  AUTHENTICATION_REQUIRED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  // resources
  NOT_FOUND: 404,
  CASE_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  SITE_NOT_SET: 404,
  REFERENCE_TAKEN: 409,
  USERNAME_TAKEN: 409,
  VERSION_CONFLICT: 412,
  PRECONDITION_REQUIRED: 428,
  UNKNOWN_OFFICER: 422,
  UNKNOWN_APPLICATION_TYPE: 422,
  // geometry intake
  GEOMETRY_REQUIRED: 400,
  GEOMETRY_NOT_OBJECT: 400,
  GEOMETRY_TYPE_UNSUPPORTED: 422,
  GEOMETRY_EMPTY: 422,
  POSITION_INVALID: 422,
  COORDINATE_NOT_NUMBER: 422,
  COORDINATE_NOT_FINITE: 422,
  RING_TOO_FEW_POSITIONS: 422,
  RING_NOT_CLOSED: 422,
  TOO_MANY_VERTICES: 422,
  CRS_UNSUPPORTED: 422,
  CRS_CONFLICT: 422,
  COORDINATE_OUT_OF_RANGE: 422,
  LAT_LON_SWAPPED: 422,
  EASTING_NORTHING_SWAPPED: 422,
  CRS_MISMATCH: 422,
  SITE_OUTSIDE_AUTHORITY: 422,
  SITE_CROSSES_AUTHORITY_BOUNDARY: 422,
  INVALID_GEOMETRY: 422,
  REPAIR_FAILED: 422,
  // layers and checks
  LAYER_NOT_FOUND: 404,
  CHECK_NOT_FOUND: 404,
  HIT_NOT_FOUND: 404,
  LAYER_FILE_UNREADABLE: 422,
  LAYER_FILE_EMPTY: 422,
  LAYER_FILE_NO_CRS: 422,
  LAYER_FILE_WRONG_GEOMETRY: 422,
  LAYER_FILE_FIELD_MISSING: 422,
  LAYER_LOAD_FAILED: 500,
  GDAL_MISSING: 500,
  // neighbours
  RUN_NOT_FOUND: 404,
  ADDRESSES_NOT_LOADED: 409,
  // maps and documents
  MAP_TEMPLATE_NOT_FOUND: 404,
  MAP_TOO_LARGE: 422,
  MAP_DOES_NOT_FIT: 422,
  NO_NEIGHBOUR_RUN: 409,
  NO_CONSTRAINT_CHECK: 409,
  DOCUMENT_NOT_FOUND: 404,
  TEMPLATE_KIND_NOT_FOUND: 404,
  TEMPLATE_INVALID: 422,
  NO_DECISION: 409,
  DOCUMENT_NOT_APPLICABLE: 409,
  // server
  DATABASE_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    status?: number,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = status ?? ERRORS[code];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
