/**
 * The embargo desk's calls and wire types (issue 18). The types alias the generated schema.d.ts; only the hub message,
 * which the OpenAPI document cannot describe, is written by hand.
 */
import type { components } from './schema';
import { request } from './http';

type Schemas = components['schemas'];

export type ZonedTime = Schemas['ZonedTime'];
export type EmbargoView = Schemas['EmbargoView'];
export type EmbargoInput = Schemas['EmbargoInput'];
export type AcknowledgementView = Schemas['AcknowledgementView'];
export type EmbargoMoveView = Schemas['EmbargoMoveView'];
export type WaveView = Schemas['WaveView'];
export type StoryView = Schemas['StoryView'];
export type SignOffView = Schemas['SignOffView'];
export type LetterView = Schemas['LetterView'];
export type BreachView = Schemas['BreachView'];
export type PublicationPlan = Schemas['PublicationPlanView'];
export type PublicationNotice = Schemas['PublicationNoticeView'];
export type NewStory = Schemas['NewStory'];
export type NewLetter = Schemas['NewLetter'];

/** Embargo states (the server's EmbargoStates). */
export type EmbargoState = 'draft' | 'locked' | 'postponed' | 'brought-forward' | 'lifted' | 'lifted-early' | 'cancelled';
/** The named sign-off steps, in board order (the server's SignOffSteps.All). */
export const signOffSteps = ['legal-review', 'right-of-reply-done', 'copy-final'] as const;

/**
 * Hub message `PublicationChanged`, sent to exactly the people entitled to it: a story or wave as it is now (times in
 * the receiver's zones), or a new notice of the receiver's. A lost push is recovered by reading again.
 */
export interface PublicationPush {
  kind: 'story' | 'wave' | 'notice';
  sequence: number;
  story: StoryView | null;
  wave: WaveView | null;
  notice: PublicationNotice | null;
}
export const PUBLICATION_CHANGED = 'PublicationChanged';

const enc = encodeURIComponent;

/** `?zones=a&zones=b`: the extra zones the server also shows each instant in (label `asked`). */
function withZones(path: string, zones: readonly string[] | undefined, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
  for (const zone of zones ?? []) params.append('zones', zone);
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export const publicationApi = {
  plan: (investigationId: string, signal?: AbortSignal) =>
    request<PublicationPlan>(`/api/publication/investigations/${enc(investigationId)}`, { signal }),
  story: (storyId: string, signal?: AbortSignal) => request<StoryView>(`/api/publication/stories/${enc(storyId)}`, { signal }),
  /** The instant a local time in a zone names, shown in the caller's zones and `zones`; a 400 names the field at fault. */
  wave: (waveId: string, signal?: AbortSignal) => request<WaveView>(`/api/publication/waves/${enc(waveId)}`, { signal }),
  preview: (input: EmbargoInput, zones: readonly string[], signal?: AbortSignal) =>
    request<EmbargoView>(
      withZones('/api/publication/preview', zones, { localTime: input.localTime, zone: input.zone, offset: input.offset ?? undefined }),
      { signal },
    ),
  createWave: (investigationId: string, name: string, embargo: EmbargoInput) =>
    request<WaveView>(`/api/publication/investigations/${enc(investigationId)}/waves`, {
      method: 'POST',
      body: { name, embargo },
    }),
  createStory: (investigationId: string, story: NewStory) =>
    request<StoryView>(`/api/publication/investigations/${enc(investigationId)}/stories`, { method: 'POST', body: story }),
  lockEmbargo: (waveId: string, version: number) =>
    request<WaveView>(`/api/publication/waves/${enc(waveId)}/embargo/lock`, { method: 'POST', ifMatch: version }),
  moveEmbargo: (waveId: string, version: number, to: EmbargoInput, reason: string) =>
    request<WaveView>(`/api/publication/waves/${enc(waveId)}/embargo/move`, {
      method: 'POST',
      body: { to, reason },
      ifMatch: version,
    }),
  confirmMove: (waveId: string, moveId: string) =>
    request<WaveView>(`/api/publication/waves/${enc(waveId)}/embargo/move/${enc(moveId)}/confirm`, { method: 'POST' }),
  acknowledge: (waveId: string) =>
    request<WaveView>(`/api/publication/waves/${enc(waveId)}/embargo/acknowledgement`, { method: 'POST' }),
  remind: (waveId: string) => request<WaveView>(`/api/publication/waves/${enc(waveId)}/embargo/reminders`, { method: 'POST' }),
  signOff: (storyId: string, step: string, done: boolean) =>
    request<StoryView>(`/api/publication/stories/${enc(storyId)}/sign-offs`, { method: 'POST', body: { step, done } }),
  sendLetter: (storyId: string, letter: NewLetter) =>
    request<StoryView>(`/api/publication/stories/${enc(storyId)}/letters`, { method: 'POST', body: letter }),
  reportBreach: (storyId: string, link: string, seenAt: string) =>
    request<StoryView>(`/api/publication/stories/${enc(storyId)}/breaches`, { method: 'POST', body: { link, seenAt } }),
  notices: (signal?: AbortSignal) => request<PublicationNotice[]>('/api/publication/notices', { signal }),
  /** Download address of the story's publication package (403 before the lift). */
  packageUrl: (storyId: string, format: 'csv' | 'jsonl' | 'jsonld') =>
    `/api/publication/stories/${enc(storyId)}/package?format=${format}`,
};
