import { request } from '../../api/client';

export type NotificationReason = 'mention' | 'reply' | 'assignment' | 'verification';

/** An inbox entry (the server's NotificationView). The summary never holds the annotation's text. */
export interface InboxEntry {
  id: string;
  reason: NotificationReason | string;
  annotationId: string;
  recordId: string;
  investigationId: string;
  byName: string;
  summary: string;
  at: string;
  read: boolean;
  sequence: number;
}

export interface DigestPreference {
  dailyDigest: boolean;
  /** Hour of the day (UTC) the digest is ready, 0–23. */
  hourUtc: number;
}

const enc = encodeURIComponent;

export const inboxApi = {
  list: (signal?: AbortSignal) => request<InboxEntry[]>('/api/inbox', { signal }),
  markRead: (id: string) => request<void>(`/api/inbox/${enc(id)}/read`, { method: 'POST' }),
  preference: (signal?: AbortSignal) => request<DigestPreference>('/api/inbox/preference', { signal }),
  setPreference: (body: DigestPreference) => request<DigestPreference>('/api/inbox/preference', { method: 'PUT', body }),
  following: (recordId: string, signal?: AbortSignal) =>
    request<{ following: boolean }>(`/api/records/${enc(recordId)}/follow`, { signal }),
  follow: (recordId: string) => request<void>(`/api/records/${enc(recordId)}/follow`, { method: 'PUT' }),
  unfollow: (recordId: string) => request<void>(`/api/records/${enc(recordId)}/follow`, { method: 'DELETE' }),
};
