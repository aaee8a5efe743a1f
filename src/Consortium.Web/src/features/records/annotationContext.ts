import { createContext, useContext } from 'react';
import { request } from '../../api/client';
import type { Annotation, InvestigationRole, Member } from '../../api/types';

/**
 * What the annotation panel needs to know about the investigation the record belongs to: the caller's role (to
 * offer only what the server's Permissions allow) and its current members (to assign a thread to one of them).
 */
export interface AnnotationSetting {
  investigationId?: string;
  role?: InvestigationRole | null;
  members: Member[];
}

export const AnnotationSettingContext = createContext<AnnotationSetting>({ members: [] });

export const useAnnotationSetting = () => useContext(AnnotationSettingContext);

/** Permissions.CanAnnotate: every role but read-only. An unknown role offers the forms and lets the server decide. */
export const canAnnotate = (role: InvestigationRole | null | undefined) => role !== 'read-only';

/** Permissions.CanVerify: the forensic steps (past consent-obtained) are for analysts and coordinators. */
export const canVerify = (role: InvestigationRole | null | undefined) => role === 'analyst' || role === 'coordinator';

/** Permissions.CanCoordinate: a coordinator retracts others' annotations. */
export const canCoordinate = (role: InvestigationRole | null | undefined) => role === 'coordinator';

export const confidences = ['low', 'medium', 'high'] as const;

/** Sources as typed, one per line, blanks dropped. */
export const sourceLines = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l !== '');

export interface Evidence {
  name: string;
  sha256: string;
  size: number;
  description?: string | null;
}

/** An evidence file the investigation holds (POST /api/investigations/{id}/evidence), named by its SHA-256. */
export interface EvidenceFile {
  sha256: string;
  size: number;
  uploadedAt: string;
}

/** Where a stored evidence file cited by a verification downloads from (an attachment, never rendered). */
export const evidenceDownloadPath = (annotationId: string, sha256: string) =>
  `/api/annotations/${encodeURIComponent(annotationId)}/evidence/${encodeURIComponent(sha256)}`;

export interface ThreadChangesPage {
  items: Array<{ cursor: string; sequence: number; change: string; annotation: Annotation }>;
  cursor: string;
  hasMore: boolean;
}

const enc = encodeURIComponent;

export const annotationApi = {
  /** The record's annotations and the changes-feed cursor taken before they were read (the `Changes-Cursor` header). */
  list: async (recordId: string, signal?: AbortSignal) => {
    let cursor: string | null = null;
    const items = await request<Annotation[]>(`/api/records/${enc(recordId)}/annotations`, {
      signal,
      onHeaders: (headers) => (cursor = headers.get('Changes-Cursor')),
    });
    return { items, cursor: cursor as string | null };
  },
  /** One record's changes after `after`, in commit order. */
  changes: (investigationId: string, recordId: string, after: string, signal?: AbortSignal) =>
    request<ThreadChangesPage>(`/api/investigations/${enc(investigationId)}/changes`, {
      signal,
      query: { after, record: recordId, limit: 1000 },
    }),
  moveVerification: (id: string, version: number, body: { state: string; tool?: string; indicatorSetVersion?: string; evidence?: Evidence[]; comment?: string }) =>
    request<Annotation>(`/api/annotations/${enc(id)}/verification`, { method: 'POST', body, ifMatch: version }),
  uploadEvidence: (investigationId: string, file: File) =>
    request<EvidenceFile>(`/api/investigations/${enc(investigationId)}/evidence`, { method: 'POST', body: file }),
  assign: (id: string, version: number, assigneeUserId: string | null) =>
    request<Annotation>(`/api/annotations/${enc(id)}/assignment`, { method: 'POST', body: { assigneeUserId }, ifMatch: version }),
  edit: (id: string, version: number, change: { text?: string; tag?: string; identification?: { person: string; role?: string | null; confidence: string; sources: string[] } }) =>
    request<Annotation>(`/api/annotations/${enc(id)}`, { method: 'PATCH', body: change, ifMatch: version }),
};
