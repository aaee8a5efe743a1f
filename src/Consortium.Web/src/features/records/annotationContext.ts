import { createContext, useContext } from 'react';
import type { Evidence as StoredEvidence, InvestigationRole, Member } from '../../api/types';

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

/** A piece of evidence a verification cites (the server adds whether it holds the file). */
export type Evidence = Omit<StoredEvidence, 'stored'>;

/** Where a stored evidence file cited by a verification downloads from (an attachment, never rendered). */
export const evidenceDownloadPath = (annotationId: string, sha256: string) =>
  `/api/annotations/${encodeURIComponent(annotationId)}/evidence/${encodeURIComponent(sha256)}`;
