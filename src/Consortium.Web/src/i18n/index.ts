import i18next, { type i18n as I18n } from 'i18next';
import { en, type MessageKey } from './en';
import { catalogs, defaultLanguage, languages, type Language } from './languages';

/**
 * The translation layer: i18next behind the UI's own `t(key, params)`, so call sites never change. Keys are flat
 * ('members.count.one'), placeholders are written {name}, and plural forms are `${key}.${category}` with the
 * categories of Intl.PluralRules (English: one, other; Arabic: zero, one, two, few, many, other). A key missing in a
 * language falls back to English at run time; the completeness test (i18n.test.ts) fails on it long before.
 */
export type { MessageKey, Language };
export { languages };
export type Params = Record<string, string | number>;

const instance: I18n = i18next.createInstance();
void instance.init({
  resources: Object.fromEntries(
    Object.entries(catalogs).map(([lng, messages]) => [lng, { translation: messages }]),
  ),
  lng: defaultLanguage,
  fallbackLng: defaultLanguage,
  supportedLngs: Object.keys(catalogs),
  initAsync: false,
  keySeparator: false,
  nsSeparator: false,
  pluralSeparator: '.',
  // Strings are rendered by React (which escapes), never as HTML.
  interpolation: { escapeValue: false, prefix: '{', suffix: '}', skipOnVariables: true },
  // A placeholder nobody fills stays visible ({name}) rather than silently vanishing.
  missingInterpolationHandler: (text: string, value: unknown) => `{${String((value as string[])[1] ?? text)}}`,
  returnNull: false,
  returnEmptyString: false,
});

/** The UI's language, e.g. 'fr'. */
export function currentLocale(): Language {
  return instance.language as Language;
}

/** The best supported language for a list of BCP 47 tags (browser or preference), or English. */
export function pickLanguage(preferred: readonly (string | null | undefined)[]): Language {
  for (const tag of preferred) {
    if (!tag) continue;
    const base = tag.toLowerCase().split('-')[0] ?? '';
    if (base in catalogs) return base as Language;
  }
  return defaultLanguage;
}

/** Switches the language and sets lang and dir on <html> (Arabic is right-to-left). */
export function setLanguage(language: Language): void {
  // Unchanged: no languageChanged event, so the pages are not mounted afresh (a half-typed form survives).
  if (instance.language !== language) void instance.changeLanguage(language);
  if (typeof document !== 'undefined') {
    document.documentElement.lang = language;
    document.documentElement.dir = languages[language].dir;
  }
}

/** Before the person's preference is known (and for anyone without one): the browser's languages. */
export function initI18n(preferred: readonly string[] = navigator.languages ?? [navigator.language]): void {
  setLanguage(pickLanguage(preferred));
}

function formatted(params?: Params): Record<string, string> | undefined {
  if (!params) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) out[name] = typeof value === 'number' ? formatNumber(value) : value;
  return out;
}

/** Translate a key, filling {placeholders} from params (numbers formatted for the language). */
export function t(key: MessageKey, params?: Params): string {
  return instance.t(key, { replace: formatted(params) ?? {} });
}

type PluralBase<K extends string> = K extends `${infer B}.other` ? B : never;
export type PluralKey = PluralBase<MessageKey>;

/** Translate a plural key: i18next picks `${key}.one`, `${key}.few`, … by count for the language. `{count}` is filled. */
export function tp(key: PluralKey, count: number, params?: Params): string {
  return instance.t(key, { count, replace: formatted({ count, ...params }) ?? {} });
}

/** A number written the language's way (digits, grouping). */
export function formatNumber(value: number): string {
  return new Intl.NumberFormat(currentLocale()).format(value);
}

/** The raw catalogs, for the completeness test. */
export { catalogs, en };

/** The i18next instance, for react-i18next's provider (components re-render when the language changes). */
export const i18nInstance: I18n = instance;
