/** JSON calls to Redline's API from the case page (session cookie, same origin), with its errors kept whole. */

export interface Issue {
  path: string;
  message: string;
}

/** An API error: its code and message, and the fields it names (VALIDATION_FAILED issues). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
  }
}

/** The API's answer as JSON; an ApiError when it answers 4xx/5xx (401: the session has ended). */
export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Redline could not be reached. Check your connection and try again.');
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; issues?: Issue[] } } | null)?.error;
    if (res.status === 401)
      throw new ApiError(401, e?.code ?? 'UNAUTHENTICATED', 'Your session has ended. Sign in again to carry on.');
    throw new ApiError(
      res.status,
      e?.code ?? `HTTP_${res.status}`,
      e?.message ?? `Redline answered ${res.status} ${res.statusText}.`,
      Array.isArray(e?.issues) ? e.issues : [],
    );
  }
  return json as T;
}

/** The sign-in page that brings the user back here. */
export const signInUrl = () => `/login?next=${encodeURIComponent(location.pathname + location.search)}&expired=1`;
