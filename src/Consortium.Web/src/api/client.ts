import type {
  Account,
  Annotation,
  AnnotationChange,
  AnnotationHistoryEntry,
  AuditFilter,
  AuditPage,
  ChangesPage,
  Dataset,
  DigestPreference,
  Evidence,
  EvidenceFile,
  FollowState,
  ImportJob,
  InboxEntry,
  Investigation,
  Invitation,
  LeakRecord,
  Me,
  Preferences,
  Member,
  MemberChange,
  NewAccount,
  NewAnnotation,
  NewDataset,
  NewInvestigation,
  NewIdentification,
  NewMember,
  NewSyncClient,
  Outlet,
  OutletRestriction,
  ProblemDetails,
  RecentViewer,
  RecordCharts,
  RecordPage,
  SearchPage,
  SearchQuery,
  SyncClient,
  SyncClientCredentials,
  VerificationChange,
} from './types';
import { t } from '../i18n';
import { ApiError, UNAUTHORIZED_EVENT, download, request, type Query } from './http';

/** Every call of the server's HTTP API the web UI makes. Request plumbing and error helpers live in http.ts. */
export { ApiError, UNAUTHORIZED_EVENT, describeError, fieldErrors, isAbort, request, type Download } from './http';

/** An edit: text, tag, or an identification (whose outlet defaults to the author's). */
export type AnnotationEdit = Omit<AnnotationChange, 'identification'> & { identification?: NewIdentification };
/** A step of the verification state machine, citing evidence files by name and hash. */
export type VerificationMove = Omit<VerificationChange, 'evidence'> & { evidence?: Omit<Evidence, 'stored'>[] };

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

function chartParameters(query: SearchQuery): Query {
  const filters = searchParameters(query);
  for (const paging of ['sort', 'order', 'after', 'limit', 'facets']) delete filters[paging];
  return filters;
}

const enc = encodeURIComponent;

export const api = {
  me: (signal?: AbortSignal) => request<Me>('/api/me', { signal, quiet401: true }),
  signOut: () => request<void>('/api/session/sign-out', { method: 'POST', quiet401: true }),
  /** The person's language and time zone (null: the browser's), kept on the server for every device. */
  savePreferences: (body: Preferences) => request<Preferences>('/api/me/preferences', { method: 'PUT', body }),
  outlets: (signal?: AbortSignal) => request<Outlet[]>('/api/outlets', { signal }),

  investigations: (signal?: AbortSignal) => request<Investigation[]>('/api/investigations', { signal }),
  investigation: (id: string, signal?: AbortSignal) =>
    request<Investigation>(`/api/investigations/${enc(id)}`, { signal }),
  investigationDatasets: (id: string, signal?: AbortSignal) =>
    request<Dataset[]>(`/api/investigations/${enc(id)}/datasets`, { signal }),

  createInvestigation: (body: NewInvestigation) => request<Investigation>('/api/investigations', { method: 'POST', body }),
  createDataset: (investigationId: string, body: NewDataset) =>
    request<Dataset>(`/api/investigations/${enc(investigationId)}/datasets`, { method: 'POST', body }),
  /** The dataset's visible records as a file (coordinators and editors; 403 with the re-authentication problem when the sign-in is old). */
  exportDataset: (datasetId: string, format: 'csv' | 'jsonl') =>
    download(`/api/datasets/${enc(datasetId)}/export`, { format }),
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

  /** The pictures of a search: its filters only (sort and paging do not change them). */
  charts: (datasetId: string, query: SearchQuery, signal?: AbortSignal) =>
    request<RecordCharts>(`/api/datasets/${enc(datasetId)}/charts`, { signal, query: chartParameters(query) }),
  investigationCharts: (investigationId: string, query: SearchQuery, signal?: AbortSignal) =>
    request<RecordCharts>(`/api/investigations/${enc(investigationId)}/charts`, { signal, query: chartParameters(query) }),

  record: (id: string, signal?: AbortSignal) => request<LeakRecord>(`/api/records/${enc(id)}`, { signal }),
  restriction: (recordId: string, signal?: AbortSignal) =>
    request<OutletRestriction>(`/api/records/${enc(recordId)}/restriction`, { signal }),
  /** Coordinators only; null outlets lift the restriction. Needs a recent sign-in. */
  setRestriction: (recordId: string, body: OutletRestriction) =>
    request<OutletRestriction>(`/api/records/${enc(recordId)}/restriction`, { method: 'PUT', body }),
  recentViewers: (recordId: string, signal?: AbortSignal) =>
    request<RecentViewer[]>(`/api/records/${enc(recordId)}/viewers`, { signal }),
  /** The record's annotations and the changes-feed cursor taken before they were read (the `Changes-Cursor` header). */
  annotations: async (recordId: string, signal?: AbortSignal) => {
    let cursor: string | null = null;
    const items = await request<Annotation[]>(`/api/records/${enc(recordId)}/annotations`, {
      signal,
      onHeaders: (headers) => (cursor = headers.get('Changes-Cursor')),
    });
    return { items, cursor: cursor as string | null };
  },
  addAnnotation: (recordId: string, body: NewAnnotation) =>
    request<Annotation>(`/api/records/${enc(recordId)}/annotations`, { method: 'POST', body }),
  editAnnotation: (id: string, version: number, change: AnnotationEdit) =>
    request<Annotation>(`/api/annotations/${enc(id)}`, { method: 'PATCH', body: change, ifMatch: version }),
  retractAnnotation: (id: string, version: number, reason?: string) =>
    request<Annotation>(`/api/annotations/${enc(id)}/retraction`, { method: 'POST', body: { reason }, ifMatch: version }),
  resolveAnnotation: (id: string, version: number, resolved: boolean) =>
    request<Annotation>(`/api/annotations/${enc(id)}/resolution`, { method: 'POST', body: { resolved }, ifMatch: version }),
  annotationHistory: (id: string, signal?: AbortSignal) =>
    request<AnnotationHistoryEntry[]>(`/api/annotations/${enc(id)}/history`, { signal }),
  /** One step of the state machine, conditional on the version shown (409 when it moved meanwhile). */
  moveVerification: (id: string, version: number, body: VerificationMove) =>
    request<Annotation>(`/api/annotations/${enc(id)}/verification`, { method: 'POST', body, ifMatch: version }),
  assignAnnotation: (id: string, version: number, assigneeUserId: string | null) =>
    request<Annotation>(`/api/annotations/${enc(id)}/assignment`, { method: 'POST', body: { assigneeUserId }, ifMatch: version }),
  uploadEvidence: (investigationId: string, file: File) =>
    request<EvidenceFile>(`/api/investigations/${enc(investigationId)}/evidence`, { method: 'POST', body: file }),
  /** The investigation's changes feed after `after` (null: from the beginning), of one record when `record` is given. */
  changes: (investigationId: string, page: { after: string | null; record?: string }, signal?: AbortSignal) =>
    request<ChangesPage>(`/api/investigations/${enc(investigationId)}/changes`, {
      signal,
      query: { after: page.after, record: page.record, limit: 1000 },
    }),

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

  inbox: (signal?: AbortSignal) => request<InboxEntry[]>('/api/inbox', { signal }),
  markRead: (id: string) => request<void>(`/api/inbox/${enc(id)}/read`, { method: 'POST' }),
  digestPreference: (signal?: AbortSignal) => request<DigestPreference>('/api/inbox/preference', { signal }),
  setDigestPreference: (body: DigestPreference) =>
    request<DigestPreference>('/api/inbox/preference', { method: 'PUT', body }),
  following: (recordId: string, signal?: AbortSignal) =>
    request<FollowState>(`/api/records/${enc(recordId)}/follow`, { signal }),
  follow: (recordId: string) => request<void>(`/api/records/${enc(recordId)}/follow`, { method: 'PUT' }),
  unfollow: (recordId: string) => request<void>(`/api/records/${enc(recordId)}/follow`, { method: 'DELETE' }),
};

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
