import { api } from '../api/client';
import type { Me, Preferences } from '../api/types';
import { pickLanguage, setLanguage, type Language } from '../i18n';
import { browserTimeZone, setTimeZone } from './datetime';

/**
 * The person's language and time zone, kept on the server (PUT /api/me/preferences) so they follow the person to any
 * device: applied as soon as /api/me answers, before the first signed-in page renders. Null means "not chosen": the
 * browser's language applies. The zone is recorded from the browser at the first sign-in, so the server's own views
 * (the embargo desk's "you" row) and this UI show times in the same zone.
 */
let saved: Preferences = { language: null, timeZone: null };

function browserLanguages(): readonly string[] {
  return typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]);
}

export function savedPreferences(): Preferences {
  return saved;
}

function apply(preferences: Preferences): void {
  saved = { language: preferences.language ?? null, timeZone: preferences.timeZone ?? null };
  setLanguage(pickLanguage([saved.language, ...browserLanguages()]));
  setTimeZone(saved.timeZone);
}

/** Applies the preferences /api/me returned; records the browser's zone when the person has none yet. */
export function applyPreferencesOf(me: Me): void {
  apply({ language: me.language ?? null, timeZone: me.timeZone ?? null });
  if (!saved.timeZone) {
    // Best effort: without it the UI still shows the browser's zone.
    void api.savePreferences({ ...saved, timeZone: browserTimeZone() }).then(apply, () => undefined);
  }
}

/** Saves a change (the UI follows at once) and returns what the server kept. */
export async function savePreferences(change: { language?: Language | null; timeZone?: string | null }): Promise<Preferences> {
  const next = { ...saved, ...change };
  apply(next);
  const kept = await api.savePreferences(next);
  apply(kept);
  return kept;
}
