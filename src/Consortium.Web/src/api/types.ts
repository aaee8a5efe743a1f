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
