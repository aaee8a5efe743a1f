import { en, type MessageKey, type Messages } from './en';

/**
 * A tiny translation layer. Add a language by adding a file like en.ts
 * (typed as Messages) and registering it in `catalogs`.
 */
type Catalog = { messages: Messages; dir: 'ltr' | 'rtl' };

const catalogs: Record<string, Catalog> = {
  en: { messages: en, dir: 'ltr' },
};

export type { MessageKey };
export type Params = Record<string, string | number>;

let locale = 'en';
let active: Catalog = catalogs.en!;

/** Picks the best available catalog for the browser's languages. */
export function initI18n(preferred: readonly string[] = navigator.languages ?? [navigator.language]): void {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0] ?? '';
    const found = catalogs[tag] ?? catalogs[base];
    if (found) {
      locale = catalogs[tag] ? tag : base;
      active = found;
      break;
    }
  }
  document.documentElement.lang = locale;
  document.documentElement.dir = active.dir;
}

export function currentLocale(): string {
  return locale;
}

function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? formatNumber(value) : value;
  });
}

/** Translate a key, filling {placeholders} from params. */
export function t(key: MessageKey, params?: Params): string {
  const template = active.messages[key] ?? en[key] ?? key;
  return interpolate(template, params);
}

type PluralBase<K extends string> = K extends `${infer B}.other` ? B : never;
export type PluralKey = PluralBase<MessageKey>;

/** Translate a plural key: picks `${key}.one`, `${key}.other`, … by count. `{count}` is filled. */
export function tp(key: PluralKey, count: number, params?: Params): string {
  const category = new Intl.PluralRules(locale).select(count);
  const candidate = `${key}.${category}` as MessageKey;
  const chosen: MessageKey = candidate in active.messages ? candidate : (`${key}.other` as MessageKey);
  return t(chosen, { count, ...params });
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat(locale).format(value);
}
