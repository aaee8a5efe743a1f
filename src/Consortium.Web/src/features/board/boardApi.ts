import { request } from '../../api/client';

/**
 * The states of a verification, in order (the server's VerificationStates.All): one column per state. Which states
 * come next is the server's answer (`nextStates`, and `allowedNextStates` for the caller); the web never computes it.
 */
export const verificationStates = [
  'unverified',
  'identified',
  'consent-obtained',
  'forensics-submitted',
  'infected',
  'attempted',
  'inconclusive',
  'no-evidence',
  'peer-reviewed',
] as const;

export type VerificationState = (typeof verificationStates)[number];

export interface VerificationDetails {
  state: string;
  analystUserId?: string | null;
  tool?: string | null;
  indicatorSetVersion?: string | null;
  evidence?: Array<{ name: string; sha256: string; size: number; description?: string | null }> | null;
  /** The states the server's state machine allows from here. */
  nextStates?: string[] | null;
  /** Of those, the ones the caller may choose; left out of live pushes (read the feed or the annotation for it). */
  allowedNextStates?: string[] | null;
}

/** The fields of the server's AnnotationView the board reads. */
export interface BoardAnnotation {
  id: string;
  recordId: string;
  datasetId?: string;
  investigationId?: string;
  kind: string;
  /** consortium, outlet, partners or private. */
  visibility: string;
  author: string;
  authorName: string;
  outletId: string;
  createdAt: string;
  updatedAt?: string | null;
  sequence: number;
  version: number;
  retracted?: boolean;
  assigneeUserId?: string | null;
  verification?: VerificationDetails | null;
}

export interface ChangesPage {
  items: Array<{ cursor: string; sequence: number; change: string; annotation: BoardAnnotation }>;
  cursor: string;
  hasMore: boolean;
}

const enc = encodeURIComponent;

export const boardApi = {
  /** The investigation's changes feed from `after` (omit for the beginning): every change the caller may read. */
  changes: (investigationId: string, after: string | null, signal?: AbortSignal) =>
    request<ChangesPage>(`/api/investigations/${enc(investigationId)}/changes`, {
      signal,
      query: { after, limit: 1000 },
    }),
  /** One step of the state machine, conditional on the version the card shows (409 when it moved meanwhile). */
  moveVerification: (annotation: BoardAnnotation, state: string) =>
    request<BoardAnnotation>(`/api/annotations/${enc(annotation.id)}/verification`, {
      method: 'POST',
      body: { state },
      ifMatch: annotation.version,
    }),
};
