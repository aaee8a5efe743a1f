import type {
  Account,
  Annotation,
  AnnotationHistoryEntry,
  AuditFilter,
  AuditPage,
  Dataset,
  ImportJob,
  Outlet,
  Investigation,
  Invitation,
  LeakRecord,
  RecentViewer,
  Me,
  Member,
  MemberChange,
  NewAccount,
  NewAnnotation,
  NewMember,
  NewSyncClient,
  OutletRestriction,
  ProblemDetails,
  RecordPage,
  SearchPage,
  SearchQuery,
  SyncClient,
  SyncClientCredentials,
} from './types';
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

type Query = Record<string, string | number | null | undefined>;

function searchParameters(query: SearchQuery & { after?: string | null; limit?: number; facets?: boolean }): Query {
  return {
    q: query.q,
    phone: query.phone,
    country: query.country,
    dataset: query.dataset,
    verification: query.verification,
    tag: query.tag,
    annotated: query.annotated,
    from: query.from,
    to: query.to,
    sort: query.sort === 'row' ? undefined : query.sort,
    order: query.order === 'asc' ? undefined : query.order,
    after: query.after,
    limit: query.limit ?? 100,
    facets: query.facets === false ? 'false' : undefined,
  };
}

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

const enc = encodeURIComponent;

export const api = {
  me: (signal?: AbortSignal) => request<Me>('/api/me', { signal, quiet401: true }),
  signOut: () => request<void>('/api/session/sign-out', { method: 'POST', quiet401: true }),
  outlets: (signal?: AbortSignal) => request<Outlet[]>('/api/outlets', { signal }),

  investigations: (signal?: AbortSignal) => request<Investigation[]>('/api/investigations', { signal }),
  investigation: (id: string, signal?: AbortSignal) =>
    request<Investigation>(`/api/investigations/${enc(id)}`, { signal }),
  investigationDatasets: (id: string, signal?: AbortSignal) =>
    request<Dataset[]>(`/api/investigations/${enc(id)}/datasets`, { signal }),

  dataset: (id: string, signal?: AbortSignal) => request<Dataset>(`/api/datasets/${enc(id)}`, { signal }),
  imports: (datasetId: string, signal?: AbortSignal) =>
    request<ImportJob[]>(`/api/datasets/${enc(datasetId)}/imports`, { signal }),
  importJob: (datasetId: string, jobId: string, signal?: AbortSignal) =>
    request<ImportJob>(`/api/datasets/${enc(datasetId)}/imports/${enc(jobId)}`, { signal }),
  cancelImport: (datasetId: string, jobId: string) =>
    request<ImportJob>(`/api/datasets/${enc(datasetId)}/imports/${enc(jobId)}/cancel`, { method: 'POST' }),
  resumeImport: (datasetId: string, jobId: string) =>
    request<ImportJob>(`/api/datasets/${enc(datasetId)}/imports/${enc(jobId)}/resume`, { method: 'POST' }),
  records: (
    datasetId: string,
    page: { after?: number | null; limit?: number; q?: string },
    signal?: AbortSignal,
  ) =>
    request<RecordPage>(`/api/datasets/${enc(datasetId)}/records`, {
      signal,
      query: { after: page.after, limit: page.limit ?? 100, q: page.q },
    }),

  search: (
    datasetId: string,
    query: SearchQuery & { after?: string | null; limit?: number; facets?: boolean },
    signal?: AbortSignal,
  ) =>
    request<SearchPage>(`/api/datasets/${enc(datasetId)}/search`, { signal, query: searchParameters(query) }),
  searchInvestigation: (
    investigationId: string,
    query: SearchQuery & { after?: string | null; limit?: number; facets?: boolean },
    signal?: AbortSignal,
  ) =>
    request<SearchPage>(`/api/investigations/${enc(investigationId)}/search`, { signal, query: searchParameters(query) }),

  record: (id: string, signal?: AbortSignal) => request<LeakRecord>(`/api/records/${enc(id)}`, { signal }),
  recentViewers: (recordId: string, signal?: AbortSignal) =>
    request<RecentViewer[]>(`/api/records/${enc(recordId)}/viewers`, { signal }),
  annotations: (recordId: string, signal?: AbortSignal) =>
    request<Annotation[]>(`/api/records/${enc(recordId)}/annotations`, { signal }),
  addAnnotation: (recordId: string, body: NewAnnotation) =>
    request<Annotation>(`/api/records/${enc(recordId)}/annotations`, { method: 'POST', body }),
  editAnnotation: (id: string, version: number, change: { text?: string; tag?: string }) =>
    request<Annotation>(`/api/annotations/${enc(id)}`, { method: 'PATCH', body: change, ifMatch: version }),
  retractAnnotation: (id: string, version: number, reason?: string) =>
    request<Annotation>(`/api/annotations/${enc(id)}/retraction`, { method: 'POST', body: { reason }, ifMatch: version }),
  resolveAnnotation: (id: string, version: number, resolved: boolean) =>
    request<Annotation>(`/api/annotations/${enc(id)}/resolution`, { method: 'POST', body: { resolved }, ifMatch: version }),
  annotationHistory: (id: string, signal?: AbortSignal) =>
    request<AnnotationHistoryEntry[]>(`/api/annotations/${enc(id)}/history`, { signal }),

  members: (investigationId: string, signal?: AbortSignal) =>
    request<Member[]>(`/api/investigations/${enc(investigationId)}/members`, { signal }),
  addMember: (investigationId: string, body: NewMember) =>
    request<Member>(`/api/investigations/${enc(investigationId)}/members`, { method: 'POST', body }),
  changeMember: (investigationId: string, userId: string, body: MemberChange) =>
    request<Member>(`/api/investigations/${enc(investigationId)}/members/${enc(userId)}`, { method: 'PUT', body }),
  removeMember: (investigationId: string, userId: string) =>
    request<void>(`/api/investigations/${enc(investigationId)}/members/${enc(userId)}`, { method: 'DELETE' }),
  setCompartment: (datasetId: string, body: OutletRestriction) =>
    request<Dataset>(`/api/datasets/${enc(datasetId)}/compartment`, { method: 'PUT', body }),
  /** Coordinators only: others get 403 (members) or 404 (everyone else). */
  audit: (
    investigationId: string,
    page: AuditFilter & { after?: number | null; limit?: number },
    signal?: AbortSignal,
  ) =>
    request<AuditPage>(`/api/investigations/${enc(investigationId)}/audit`, {
      signal,
      query: {
        action: page.action,
        actor: page.actor,
        from: page.from,
        to: page.to,
        after: page.after,
        limit: page.limit ?? 100,
      },
    }),

  outletAccounts: (signal?: AbortSignal) => request<Account[]>('/api/outlet/accounts', { signal }),
  inviteAccount: (body: NewAccount) => request<Invitation>('/api/outlet/accounts', { method: 'POST', body }),
  disableAccount: (accountId: string) =>
    request<void>(`/api/outlet/accounts/${enc(accountId)}/disable`, { method: 'POST' }),
  syncClients: (signal?: AbortSignal) => request<SyncClient[]>('/api/outlet/clients', { signal }),
  registerSyncClient: (body: NewSyncClient) =>
    request<SyncClientCredentials>('/api/outlet/clients', { method: 'POST', body }),
  deleteSyncClient: (clientId: string) =>
    request<void>(`/api/outlet/clients/${enc(clientId)}`, { method: 'DELETE' }),
};

/** A message fit for an alert: title and detail of the problem, or the error's message. */
export function describeError(error: unknown): { title: string; detail?: string } {
  if (error instanceof ApiError) {
    const title = error.problem.title ?? t('error.generic', { status: error.status });
    const parts: string[] = [];
    if (error.problem.detail && error.problem.detail !== title) parts.push(error.problem.detail);
    // ASP.NET Core validation problems carry { errors: { field: [messages] } }.
    const errors = error.problem.errors;
    if (errors && typeof errors === 'object') {
      for (const messages of Object.values(errors as Record<string, unknown>)) {
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

/** Media type the server expects for a file, from its name. */
export function importMediaType(name: string): string {
  const lower = name.toLowerCase();
  if (lower.endsWith('.xlsx')) return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'application/x-ndjson';
  return 'text/csv';
}

/**
 * Uploads a file for import with XMLHttpRequest (fetch reports no upload progress); resolves with the queued job.
 */
export function uploadImport(datasetId: string, file: File, onProgress: (fraction: number) => void): Promise<ImportJob> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/datasets/${enc(datasetId)}/imports`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', importMediaType(file.name));
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError(0, { status: 0, title: t('error.network') }));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body as ImportJob);
        return;
      }
      if (xhr.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
      const problem =
        body && typeof body === 'object'
          ? (body as ProblemDetails)
          : { status: xhr.status, title: t('error.generic', { status: xhr.status }) };
      reject(new ApiError(xhr.status, problem));
    };
    xhr.send(file);
  });
}
