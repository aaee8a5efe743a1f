import type { ProblemDetails } from './types';
import { t } from '../i18n';

/** Thrown for any failed request; carries the server's RFC 7807 problem details. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDetails;

  constructor(status: number, problem: ProblemDetails) {
    super(problem.detail ?? problem.title ?? t('error.generic', { status }));
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

/** Fired on window when any API call answers 401, so the app can show sign-in again. */
export const UNAUTHORIZED_EVENT = 'consortium:unauthorized';

export type Query = Record<string, string | number | null | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function readProblem(response: Response): Promise<ProblemDetails> {
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      const body: unknown = await response.json();
      if (body && typeof body === 'object') return body as ProblemDetails;
    } catch {
      // fall through to a generic problem
    }
  }
  return { status: response.status, title: response.statusText || t('error.generic', { status: response.status }) };
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as If-Match: the version a change is based on. */
  ifMatch?: number;
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** Do not broadcast a 401 (used by the /api/me probe itself). */
  quiet401?: boolean;
  /** Sees the headers of a successful answer (e.g. the changes-feed cursor of a record's annotation list). */
  onHeaders?: (headers: Headers) => void;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = 'GET', body, query, signal, quiet401, ifMatch, onHeaders } = options;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (ifMatch !== undefined) headers['If-Match'] = `"${ifMatch}"`;
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (signal) init.signal = signal;
  if (body instanceof Blob) {
    // A file sent as it is (an evidence upload), not as JSON.
    headers['Content-Type'] = 'application/octet-stream';
    init.body = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let response: Response;
  try {
    response = await fetch(withQuery(path, query), init);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, { status: 0, title: t('error.network') });
  }

  if (!response.ok) {
    const problem = await readProblem(response);
    if (response.status === 401 && !quiet401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    throw new ApiError(response.status, problem);
  }
  onHeaders?.(response.headers);
  if (response.status === 204 || response.headers.get('content-length') === '0') return undefined as T;
  const text = await response.text();
  if (!text) return undefined as T;
  // An unknown /api path can fall through to the app's index.html: that is not an answer.
  if (!(response.headers.get('content-type') ?? '').includes('json')) {
    throw new ApiError(response.status, { status: response.status, title: t('error.unexpected') });
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(response.status, { status: response.status, title: t('error.unexpected') });
  }
}

export interface Download {
  blob: Blob;
  fileName: string;
}

/**
 * A file the server streams (an export), read whole into a Blob so that a refusal arrives as problem details the page
 * can act on (a stale sign-in) rather than as a downloaded error page.
 */
export async function download(path: string, query?: Query): Promise<Download> {
  let response: Response;
  try {
    response = await fetch(withQuery(path, query), { credentials: 'same-origin', headers: { Accept: '*/*' } });
  } catch {
    throw new ApiError(0, { status: 0, title: t('error.network') });
  }
  if (!response.ok) {
    const problem = await readProblem(response);
    if (response.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    throw new ApiError(response.status, problem);
  }
  const disposition = response.headers.get('content-disposition') ?? '';
  const named = /filename\*=UTF-8''([^;]+)/i.exec(disposition) ?? /filename="?([^";]+)"?/i.exec(disposition);
  return { blob: await response.blob(), fileName: named?.[1] ? decodeURIComponent(named[1]) : 'export' };
}

/**
 * A message fit for an alert: title and detail of the problem, or the error's message. The messages of the fields in
 * `shownBesideFields` are left out: the form shows them next to those fields.
 */
export function describeError(error: unknown, shownBesideFields: readonly string[] = []): { title: string; detail?: string } {
  if (error instanceof ApiError) {
    const title = error.problem.title ?? t('error.generic', { status: error.status });
    const parts: string[] = [];
    if (error.problem.detail && error.problem.detail !== title) parts.push(error.problem.detail);
    // ASP.NET Core validation problems carry { errors: { field: [messages] } }.
    const errors = error.problem.errors;
    if (errors && typeof errors === 'object') {
      for (const [field, messages] of Object.entries(errors as Record<string, unknown>)) {
        if (shownBesideFields.includes(field)) continue;
        if (Array.isArray(messages)) parts.push(...messages.filter((m): m is string => typeof m === 'string'));
      }
    }
    return parts.length ? { title, detail: parts.join(' ') } : { title };
  }
  if (error instanceof Error) return { title: error.message };
  return { title: t('app.error.title') };
}

/** The messages of a validation problem for one field (`errors: { email: [...] }`), if any. */
export function fieldErrors(error: unknown, field: string): string[] {
  if (!(error instanceof ApiError)) return [];
  const errors = error.problem.errors;
  if (!errors || typeof errors !== 'object') return [];
  const messages = (errors as Record<string, unknown>)[field];
  return Array.isArray(messages) ? messages.filter((m): m is string => typeof m === 'string') : [];
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

