/**
 * Names the components use for the server's JSON (camelCase). Everything the OpenAPI document describes is an alias
 * over the generated schema.d.ts (`npm run gen:api`); only what the document cannot say is written here: hub messages,
 * query-string shapes, and unions the server states as plain strings.
 */
import type { components } from './schema';

type Schemas = components['schemas'];

export type ProblemDetails = Schemas['ProblemDetails'] & { [extension: string]: unknown };

export type Me = Schemas['Me'];
export type Preferences = Schemas['PreferencesInput'];
export type Outlet = Schemas['Outlet'];
export type Investigation = Schemas['InvestigationView'];
export type Dataset = Schemas['DatasetView'];
export type NewInvestigation = Schemas['NewInvestigation'];
export type NewDataset = Schemas['NewDataset'];
export type DatasetColumn = Schemas['DatasetColumn'];
/** Kinds of dataset columns (Consortium.Client's ColumnKinds; the document states them as a plain string). */
export const columnKinds = ['phone', 'person', 'organisation', 'country', 'date', 'text', 'free'] as const;
export type ColumnKind = (typeof columnKinds)[number];

export type ImportState = 'queued' | 'running' | 'cancelled' | 'failed' | 'completed';
export type ImportError = Schemas['ImportError'];
/** An import job: its state, counts, checkpoint (rowsRead) and error report. */
export type ImportJob = Omit<Schemas['ImportJobView'], 'state'> & { state: ImportState };

/** Pushed over the hub to a dataset's group after every committed batch (hub messages are not in the OpenAPI document). */
export type ImportProgress = Pick<
  ImportJob,
  'datasetId' | 'state' | 'totalBytes' | 'bytesRead' | 'rowsRead' | 'imported' | 'duplicates' | 'rejected' | 'failure'
> & { jobId: string };

/** A record's value as its JSON holds it (the document types the values map loosely). */
export type RecordValue = string | number | boolean | null;
export type LeakRecord = Omit<Schemas['RecordView'], 'values'> & { values: Record<string, RecordValue | undefined> };
export type RecordPage = Omit<Schemas['RecordPage'], 'items'> & { items: LeakRecord[] };
/** Someone of the caller's own outlet who read a record recently; lastViewedAt is a UTC instant. */
export type RecentViewer = Schemas['RecentViewerView'];

export type HighlightSpan = Schemas['HighlightSpan'];
/** Plain text from `field` (a column, or "phone") with the parts that matched; render as text, never HTML. */
export type SearchHighlight = Schemas['SearchHighlight'];
export type SearchResult = Omit<Schemas['SearchResult'], 'record'> & { record: LeakRecord };
export type FacetCount = Schemas['FacetCount'];
export type SearchFacets = Schemas['SearchFacets'];
export type SearchPage = Omit<Schemas['SearchPage'], 'items'> & { items: SearchResult[] };

export type SearchSort = 'row' | 'date' | 'country';

/** The pictures of a search (map, timeline, funnel): the facets' counts for the same filters, and selections per month. */
export type RecordCharts = Schemas['RecordCharts'];
export type MonthCount = Schemas['MonthCount'];

export interface SearchQuery {
  q?: string;
  phone?: string;
  country?: string;
  /** Investigation-wide search only. */
  dataset?: string;
  verification?: string;
  tag?: string;
  annotated?: '' | 'true' | 'false';
  /** yyyy-MM-dd, inclusive. */
  from?: string;
  to?: string;
  sort?: SearchSort;
  order?: 'asc' | 'desc';
}

export type Visibility = Schemas['Visibility'];
export const visibilities: readonly Visibility[] = ['consortium', 'partners', 'outlet', 'private'];

export type Identification = Schemas['IdentificationView'];
/** `identifiedByOutletId`: a member outlet of the investigation; left out, the author's. */
export type NewIdentification = Omit<Identification, 'identifiedByOutletId'> & { identifiedByOutletId?: string };
export type Verification = Schemas['VerificationView'];
export type Evidence = Schemas['EvidenceView'];
/** An evidence file the investigation holds (POST /api/investigations/{id}/evidence), named by its SHA-256. */
export type EvidenceFile = Schemas['EvidenceFileView'];
/** An annotation; `version` is its stream version (send it back as If-Match), `sequence` the global number of its latest change. */
export type Annotation = Schemas['AnnotationView'];
export type NewAnnotation = Schemas['NewAnnotation'];
export type AnnotationChange = Schemas['AnnotationChange'];
export type VerificationChange = Schemas['VerificationChange'];
export type AnnotationHistoryEntry = Schemas['AnnotationHistoryEntry'];
/** One change of the investigation's changes feed; pass `cursor` as `after` for the next page. */
export type ChangesPage = Schemas['ChangesPage'];

/**
 * One item of the hub's `annotationsPushed` message: every change since the last message that the connection may read,
 * each once, in ascending `sequence` order (decision 0020). `added` tells a new annotation from a changed one.
 */
export interface AnnotationPush<A = Annotation> {
  added: boolean;
  annotation: A;
}

export interface PresenceEntry {
  userId: string;
  displayName: string;
  outletId: string;
}

/** Everyone on a record: sent to a connection when it joins the record (hub message `presenceChanged`). */
export interface Presence {
  recordId: string;
  viewers: PresenceEntry[];
}

/** One person arrived on (`viewerArrived`) or left (`viewerLeft`) a record the connection joined. */
export interface PresenceChange extends PresenceEntry {
  recordId: string;
}

/** Someone typing a reply to an annotation (hub message `typing`). */
export interface Typing extends PresenceChange {
  annotationId: string;
}

export type InvestigationRole = NonNullable<Schemas['InvestigationRole']>;
export const investigationRoles: readonly InvestigationRole[] = ['coordinator', 'editor', 'reporter', 'analyst', 'read-only'];

/** A person's current membership of an investigation; `expiresAt` null means no end. */
export type Member = Omit<Schemas['MemberView'], 'role'> & { role: InvestigationRole };
export type NewMember = Omit<Schemas['NewMember'], 'role'> & { role: InvestigationRole };
/** Replaces role and expiry together: leaving `expiresAt` out clears it. */
export type MemberChange = Omit<Schemas['MemberChange'], 'role'> & { role: InvestigationRole };
/** Which member outlets may see a dataset; null means all of them. */
export type OutletRestriction = Schemas['OutletRestriction'];

/** An account of the caller's outlet, as its administrators see it. */
export type Account = Schemas['AccountView'];
export type NewAccount = Schemas['NewAccount'];
/** A new account and its one-time invitation link (shown once). */
export type Invitation = Schemas['Invitation'];
export type SyncClient = Schemas['SyncClientView'];
export type NewSyncClient = Schemas['NewSyncClient'];
/** A new sync client's credentials; the secret is shown once. */
export type SyncClientCredentials = Schemas['SyncClientCredentials'];

export type NotificationReason = 'mention' | 'reply' | 'assignment' | 'verification';
/** An inbox entry (the server's NotificationView). The summary never holds the annotation's text. */
export type InboxEntry = Schemas['NotificationView'];
/** `hourUtc`: hour of the day (UTC) the digest is ready, 0–23. */
export type DigestPreference = Schemas['DigestPreference'];
export type FollowState = Schemas['FollowState'];

/** Every action the audit log records (the server's `AuditActions`); also the values of the listing's action filter. */
export const auditActions = [
  'record.read',
  'records.listed',
  'records.searched',
  'records.imported',
  'annotation.added',
  'investigation.created',
  'dataset.created',
  'signin.succeeded',
  'signin.failed',
  'grant.added',
  'grant.revoked',
  'member.removed',
  'export',
] as const;
export type AuditAction = (typeof auditActions)[number];

/**
 * One entry of the append-only audit log. `index` numbers the whole platform's entries in the order they were written,
 * so one investigation's entries skip numbers. `position` is the entry's place in the hash chain; it is set, with
 * `hash` (covering this entry's values and `previousHash`, lowercase hex SHA-256), when the server seals the entry,
 * milliseconds after it was written; all three are null until then. `at` is UTC.
 */
export type AuditEntry = Schemas['AuditEntryView'];
/** Newest first; pass `next` as `after` for older entries (null at the end). */
export type AuditPage = Schemas['AuditPage'];

/** Filters of the audit listing: `from` inclusive and `to` exclusive, both UTC ISO instants. */
export interface AuditFilter {
  action?: string;
  actor?: string;
  from?: string;
  to?: string;
}
