/** Path ids: positive int4. Anything else is "not found" with the given code (a larger number would otherwise be
 *  a database error, not a missing record). */
import { AppError, type ErrorCode } from '../../shared/errors.ts';

export function intId(raw: string | string[] | undefined, code: ErrorCode, what: string): number {
  const id = Number(raw);
  if (!Number.isInteger(id) || id <= 0 || id > 2_147_483_647)
    throw new AppError(code, `"${raw}" is not a ${what} id.`, { id: raw ?? null });
  return id;
}
