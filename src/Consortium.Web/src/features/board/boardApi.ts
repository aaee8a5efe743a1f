import { request } from '../../api/client';

/**
 * The verification state machine of the server (Contracts.cs, VerificationStates): one column per state, in order.
 * The server decides every move; `nextStates` only picks which buttons a card offers.
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

export function nextStates(state: string): VerificationState[] {
  switch (state) {
    case 'unverified':
      return ['identified'];
    case 'identified':
      return ['consent-obtained'];
    case 'consent-obtained':
      return ['forensics-submitted'];
    case 'forensics-submitted':
      return ['infected', 'attempted', 'inconclusive', 'no-evidence'];
    case 'infected':
    case 'attempted':
    case 'inconclusive':
    case 'no-evidence':
      return ['peer-reviewed'];
    default:
      return [];
  }
}

export interface VerificationDetails {
  state: string;
  analystUserId?: string | null;
  tool?: string | null;
  indicatorSetVersion?: string | null;
  evidence?: Array<{ name: string; sha256: string; size: number; description?: string | null }> | null;
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
