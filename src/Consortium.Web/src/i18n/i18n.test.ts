import { describe, expect, it } from 'vitest';
import { catalogs, en, formatNumber, pickLanguage, setLanguage, t, tp } from '.';
import { languages, type Language } from './languages';

/**
 * Every language has exactly the keys of English: a key added to en*.ts without its translations fails here, and the
 * message lists each missing key with its English text, ready to paste into the language's file and translate.
 */

const pluralSuffix = /\.(zero|one|two|few|many|other)$/;
const englishKeys = Object.keys(en);
const pluralBases = new Set(englishKeys.filter((k) => k.endsWith('.other')).map((k) => k.replace(pluralSuffix, '')));

function isPluralForm(key: string): boolean {
  return pluralSuffix.test(key) && pluralBases.has(key.replace(pluralSuffix, ''));
}

/** The keys a language must have: English's plain keys, and each plural key in that language's own categories. */
function expectedKeys(language: Language): string[] {
  const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
  const plain = englishKeys.filter((k) => !isPluralForm(k));
  const plural = [...pluralBases].flatMap((base) => categories.map((c) => `${base}.${c}`));
  return [...plain, ...plural].sort();
}

function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();
}

function englishOf(key: string): string {
  const base = key.replace(pluralSuffix, '');
  const source = (en as Record<string, string>)[key] ?? (en as Record<string, string>)[`${base}.other`] ?? '';
  return source;
}

const others = (Object.keys(languages) as Language[]).filter((l) => l !== 'en');

describe.each(others)('the %s translation', (language) => {
  const catalog = catalogs[language];

  it('has every key of English, in its own plural forms, and no other', () => {
    const expected = expectedKeys(language);
    const actual = Object.keys(catalog).sort();
    const missing = expected.filter((k) => !(k in catalog));
    const extra = actual.filter((k) => !expected.includes(k));
    const report = [
      ...(missing.length
        ? [`${missing.length} key(s) missing in ${language}: add them to src/i18n/${language}*.ts, translated:`,
           ...missing.map((k) => `  '${k}': ${JSON.stringify(englishOf(k))},`)]
        : []),
      ...(extra.length ? [`${extra.length} key(s) in ${language} that English does not have: ${extra.join(', ')}`] : []),
    ].join('\n');
    expect(report, report).toBe('');
  });

  it('fills the same placeholders as English (plural forms may spell out the count)', () => {
    const wrong: string[] = [];
    for (const [key, text] of Object.entries(catalog)) {
      const source = englishOf(key);
      if (!source) continue;
      let want = placeholders(source);
      let got = placeholders(text);
      if (isPluralForm(key)) {
        want = want.filter((p) => p !== 'count');
        got = got.filter((p) => p !== 'count');
      }
      if (want.join() !== got.join()) wrong.push(`${key}: English {${want.join('}, {')}} but ${language} {${got.join('}, {')}}`);
    }
    expect(wrong.join('\n'), wrong.join('\n')).toBe('');
  });

  it('translates rather than copies English (apart from names, codes and formats)', () => {
    const same = Object.keys(catalog).filter(
      (k) => catalog[k] === englishOf(k) && /[a-z]{4,}/.test(catalog[k]!) && !/^(app\.name|app\.pageTitle)$/.test(k),
    );
    // Words the languages share (Annotations, Description, Actions...) are fine; a file copied from English is not.
    expect(same.length / Object.keys(catalog).length, same.join(', ')).toBeLessThan(0.1);
  });
});

describe('t and tp', () => {
  it('fall back to English for the app and fill placeholders', () => {
    setLanguage('en');
    expect(t('members.heading', { investigation: 'Pegasus' })).toBe('Members of Pegasus');
    expect(tp('dataset.records', 1)).toBe('1 record');
    expect(tp('dataset.records', 50000)).toBe('50,000 records');
  });

  it('pick the French plural and write numbers the French way', () => {
    setLanguage('fr');
    expect(tp('dataset.records', 1)).toBe('1 enregistrement');
    expect(tp('dataset.records', 2)).toBe('2 enregistrements');
    expect(tp('dataset.records', 1_000_000).replace(/\s/g, ' ')).toBe('1 000 000 d’enregistrements');
    expect(t('members.heading', { investigation: 'Pegasus' })).toBe('Membres de Pegasus');
    setLanguage('en');
  });

  it('pick each of the six Arabic plural forms', () => {
    setLanguage('ar');
    expect(tp('dataset.records', 0)).toBe('لا سجلات');
    expect(tp('dataset.records', 1)).toBe('سجل واحد');
    expect(tp('dataset.records', 2)).toBe('سجلان');
    expect(tp('dataset.records', 3)).toBe(`${formatNumber(3)} سجلات`);
    expect(tp('dataset.records', 11)).toBe(`${formatNumber(11)} سجلًا`);
    expect(tp('dataset.records', 100)).toBe(`${formatNumber(100)} سجل`);
    setLanguage('en');
  });

  it('leave a placeholder nobody filled visible', () => {
    setLanguage('en');
    expect(t('members.heading')).toBe('Members of {investigation}');
  });

  it('choose the first supported language of the browser', () => {
    expect(pickLanguage(['de-DE', 'ar-EG', 'fr'])).toBe('ar');
    expect(pickLanguage(['es-MX'])).toBe('es');
    expect(pickLanguage(['de', 'it'])).toBe('en');
  });
});
