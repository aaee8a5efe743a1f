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

export type RecordValue = string | number | boolean | null;

export interface LeakRecord {
  id: string;
  datasetId: string;
  rowNumber: number;
  values: Record<string, RecordValue | undefined>;
  phoneE164: string | null;
  country: string | null;
}

export interface RecordPage {
  items: LeakRecord[];
  /** Pass as `after` for the next page; null at the end. */
  next: number | null;
}

export type Visibility = 'consortium' | 'outlet' | 'private';
export const visibilities: readonly Visibility[] = ['consortium', 'outlet', 'private'];

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
}

export interface NewAnnotation {
  text: string;
  visibility: Visibility;
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
