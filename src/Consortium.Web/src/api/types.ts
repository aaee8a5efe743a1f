/** Shapes of the Consortium server's JSON API (camelCase). */

export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  [extension: string]: unknown;
}

export interface Me {
  user: string;
  displayName: string;
  outletId: string;
  outletName: string;
  /** True when the caller administers their outlet's accounts and sync clients (the "My outlet" page). */
  outletAdmin: boolean;
}

export interface Outlet {
  id: string;
  name: string;
  country: string;
  timeZone: string;
}


export interface Investigation {
  id: string;
  name: string;
  description: string;
  coordinatorOutletId: string;
  memberOutletIds: string[];
  datasetCount: number;
  /** The caller's own role in this investigation (null or absent when the server does not say). */
  myRole?: InvestigationRole | null;
}

export interface Dataset {
  id: string;
  investigationId: string;
  name: string;
  description: string;
  recordCount: number;
  columns: string[];
  /** null means shared with every member outlet of the investigation. */
  sharedWithOutletIds: string[] | null;
}

export type ImportState = 'queued' | 'running' | 'cancelled' | 'failed' | 'completed';

export interface ImportError {
  row: number;
  column: string | null;
  reason: string;
}

/** An import job: its state, counts, checkpoint (rowsRead) and error report. */
export interface ImportJob {
  id: string;
  datasetId: string;
  state: ImportState;
  mediaType: string;
  totalBytes: number;
  bytesRead: number;
  rowsRead: number;
  imported: number;
  duplicates: number;
  rejected: number;
  errors: ImportError[];
  failure: string | null;
  startedBy: string;
  createdAt: string;
  updatedAt: string;
}

/** Pushed over the hub to a dataset's group after every committed batch. */
export interface ImportProgress {
  jobId: string;
  datasetId: string;
  state: ImportState;
  totalBytes: number;
  bytesRead: number;
  rowsRead: number;
  imported: number;
  duplicates: number;
  rejected: number;
  failure: string | null;
}

export type RecordValue = string | number | boolean | null;

/** Someone of the caller's own outlet who read a record recently; lastViewedAt is a UTC instant. */
export interface RecentViewer {
  userId: string;
  displayName: string;
  lastViewedAt: string;
}

export interface LeakRecord {
  id: string;
  datasetId: string;
  rowNumber: number;
  values: Record<string, RecordValue | undefined>;
  phoneE164: string | null;
  country: string | null;
  /** The record's date, yyyy-MM-dd, when its dataset has a date column. */
  date?: string | null;
}

export interface RecordPage {
  items: LeakRecord[];
  /** Pass as `after` for the next page; null at the end. */
  next: number | null;
}

export interface HighlightSpan {
  /** UTF-16 offset into the highlight's text. */
  start: number;
  length: number;
}

/** Plain text from `field` (a column, or "phone") with the parts that matched; render as text, never HTML. */
export interface SearchHighlight {
  field: string;
  text: string;
  matches: HighlightSpan[];
}

export interface SearchResult {
  record: LeakRecord;
  highlights: SearchHighlight[];
}

/** Matches per country; a null value counts records without a country. */
export interface FacetCount {
  value: string | null;
  count: number;
  /** The count is a lower bound: the search matched more records than the server counts. */
  atLeast?: boolean;
}

/** Counts of matching records per value; each facet ignores its own filter. */
export interface SearchFacets {
  countries: FacetCount[];
  /** Values are dataset ids. */
  datasets: FacetCount[];
  /** Each record's latest visible verdict; null counts records without one. */
  verificationStates: FacetCount[];
  tags: FacetCount[];
  /** Values "yes" and "no". */
  annotated: FacetCount[];
}

export interface SearchPage {
  items: SearchResult[];
  /** Matches of the whole search; null when facets were not asked for. */
  total: number | null;
  /** The search matches at least `total` records, possibly more: counting stopped at the server's limit. */
  totalIsLowerBound?: boolean;
  /** Opaque cursor: pass as `after` with the same search for the next page; null at the end. */
  next: string | null;
  facets: SearchFacets | null;
}

export type SearchSort = 'row' | 'date' | 'country';

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

export type Visibility = 'consortium' | 'outlet' | 'partners' | 'private';
export const visibilities: readonly Visibility[] = ['consortium', 'partners', 'outlet', 'private'];

export interface Identification {
  person: string;
  role?: string | null;
  identifiedByOutletId: string;
  confidence: 'low' | 'medium' | 'high';
  sources: string[];
}

export interface Verification {
  state: string;
  analystUserId?: string | null;
  tool?: string | null;
  indicatorSetVersion?: string | null;
  evidence?: { name: string; sha256: string; size: number; description?: string | null; stored?: boolean }[] | null;
  /** The states the server's state machine allows from here. */
  nextStates?: string[] | null;
  /** Of those, the ones the caller may choose; left out of live pushes, which go to many callers at once. */
  allowedNextStates?: string[] | null;
}

/** An annotation; `version` is its stream version (send it back as If-Match), `sequence` the global number of its latest change. */
export interface Annotation {
  id: string;
  recordId: string;
  kind: string;
  text: string;
  visibility: Visibility;
  author: string;
  authorName: string;
  outletId: string;
  createdAt: string;
  sequence: number;
  version: number;
  updatedAt?: string | null;
  sharedWithOutletIds?: string[] | null;
  tag?: string | null;
  identification?: Identification | null;
  verification?: Verification | null;
  parentId?: string | null;
  mentions?: string[] | null;
  assigneeUserId?: string | null;
  resolved: boolean;
  retracted: boolean;
  investigationId: string;
  datasetId: string;
}

/**
 * One item of the hub's `annotationsPushed` message: every change since the last message that the connection may read,
 * each once, in ascending `sequence` order (decision 0020). `added` tells a new annotation from a changed one.
 */
export interface AnnotationPush<A = Annotation> {
  added: boolean;
  annotation: A;
}

export interface NewAnnotation {
  kind?: string;
  text?: string;
  visibility: Visibility;
  sharedWithOutletIds?: string[];
  tag?: string;
  identification?: NewIdentification;
  parentId?: string;
}

/** `identifiedByOutletId`: a member outlet of the investigation; left out, the author's. */
export type NewIdentification = Omit<Identification, 'identifiedByOutletId'> & { identifiedByOutletId?: string };

export interface AnnotationHistoryEntry {
  version: number;
  sequence: number;
  change: string;
  by: string;
  byName: string;
  at: string;
  state: Annotation;
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

export interface Typing {
  recordId: string;
  annotationId: string;
  userId: string;
  displayName: string;
  outletId: string;
}

export type InvestigationRole = 'coordinator' | 'editor' | 'reporter' | 'analyst' | 'read-only';
export const investigationRoles: readonly InvestigationRole[] = ['coordinator', 'editor', 'reporter', 'analyst', 'read-only'];

/** A person's current membership of an investigation; `expiresAt` null means no end. */
export interface Member {
  userId: string;
  displayName: string;
  outletId: string;
  role: InvestigationRole;
  addedAt: string;
  expiresAt: string | null;
}

export interface NewMember {
  email: string;
  role: InvestigationRole;
  expiresAt?: string | null;
}

/** Replaces role and expiry together: leaving `expiresAt` out clears it. */
export interface MemberChange {
  role: InvestigationRole;
  expiresAt: string | null;
}

/** Which member outlets may see a dataset; null means all of them. */
export interface OutletRestriction {
  outletIds: string[] | null;
}

/** An account of the caller's outlet, as its administrators see it. */
export interface Account {
  id: string;
  email: string;
  displayName: string;
  outletAdmin: boolean;
  twoFactorEnabled: boolean;
  disabled: boolean;
  lockedOut: boolean;
}

export interface NewAccount {
  email: string;
  displayName: string;
  outletAdmin: boolean;
}

/** A new account and its one-time invitation link (shown once). */
export interface Invitation {
  account: Account;
  invitationUrl: string;
}

export interface SyncClient {
  clientId: string;
  displayName: string;
}

export interface NewSyncClient {
  displayName: string;
}

/** A new sync client's credentials; the secret is shown once. */
export interface SyncClientCredentials {
  clientId: string;
  clientSecret: string;
  displayName: string;
}

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
export interface AuditEntry {
  index: number;
  at: string;
  /** One of `auditActions`, or a newer action this UI does not know yet. */
  action: string;
  actorUserId: string;
  actorDisplayName: string;
  /** null when nobody could be identified (a failed sign-in). */
  actorOutletId: string | null;
  investigationId: string | null;
  targetType: string | null;
  targetId: string | null;
  detail: string | null;
  /** The OAuth client id, or "web" for the browser app. */
  client: string;
  ipAddress: string | null;
  userAgent: string | null;
  previousHash: string | null;
  hash: string | null;
  position: number | null;
}

/** Newest first; pass `next` as `after` for older entries (null at the end). */
export interface AuditPage {
  items: AuditEntry[];
  next: number | null;
}

/** Filters of the audit listing: `from` inclusive and `to` exclusive, both UTC ISO instants. */
export interface AuditFilter {
  action?: string;
  actor?: string;
  from?: string;
  to?: string;
}
