import { ar } from './ar';
import { en } from './en';
import { es } from './es';
import { fr } from './fr';

/**
 * The UI's languages. Add one: copy en.ts and its parts (en-*.ts) to xx.ts and xx-*.ts, translate every value
 * (`npm run i18n:missing -- xx` lists what is left), add it here and to the server's list (ServerText.cs). The
 * completeness test names every missing or extra key.
 */
export const languages = {
  en: { name: 'English', dir: 'ltr' },
  fr: { name: 'Français', dir: 'ltr' },
  es: { name: 'Español', dir: 'ltr' },
  ar: { name: 'العربية', dir: 'rtl' },
} as const satisfies Record<string, { name: string; dir: 'ltr' | 'rtl' }>;

export type Language = keyof typeof languages;

export const defaultLanguage: Language = 'en';

/** Flat key → text. Other languages are checked against English by the completeness test, not by the type. */
export type Translation = Readonly<Record<string, string>>;

export const catalogs: Record<Language, Translation> = { en, fr, es, ar };
