import { useEffect, useId, useRef, useState } from 'react';
import { api } from '../../api/client';
import { FormError, useFieldProblems } from '../../shared/FormErrors';
import { useSubmitForm } from '../../shared/forms';
import { StatusMessage, needsFreshSignIn } from '../../shared/ui';
import { t } from '../../i18n';

type Format = 'csv' | 'jsonl';

/** The query parameter the sign-in pages bring the person back with: the format they had chosen. */
const RETURN_PARAMETER = 'export';

function formatOnReturn(): Format | null {
  const value = new URLSearchParams(window.location.search).get(RETURN_PARAMETER);
  return value === 'csv' || value === 'jsonl' ? value : null;
}

/**
 * Export of the dataset's visible records (coordinators and editors; the server checks the role, filters what the
 * person may see and audits it). When the sign-in is too old the server answers with its re-authentication problem:
 * the panel offers the sign-in pages, which bring the person back here with the chosen format (decision 0031). The
 * export never starts by itself on return: a link must not be able to make someone export.
 */
export function ExportPanel({ datasetId }: { datasetId: string }) {
  const [format, setFormat] = useState<Format>(() => formatOnReturn() ?? 'csv');
  const [returned] = useState(() => formatOnReturn() !== null);
  const [message, setMessage] = useState<string | null>(returned ? t('export.back') : null);
  const submitRef = useRef<HTMLButtonElement>(null);
  const name = useId();

  useEffect(() => {
    if (!returned) return;
    // The address is the dataset's again (a reload must not say "signed in again"); the button is where to go on.
    const url = new URL(window.location.href);
    url.searchParams.delete(RETURN_PARAMETER);
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    submitRef.current?.scrollIntoView({ block: 'center' });
    submitRef.current?.focus({ preventScroll: true });
  }, [returned]);

  const form = useSubmitForm(async () => {
    setMessage(null);
    const file = await api.exportDataset(datasetId, format);
    const url = URL.createObjectURL(file.blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = file.fileName;
    document.body.append(link);
    link.click();
    link.remove();
    // Revoked later: Chromium reads the URL after the click returns.
    window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    setMessage(t('export.done', { file: file.fileName }));
  });
  const problems = useFieldProblems(form.error, []);
  const stale = needsFreshSignIn(form.error);
  const signInUrl = `/account/login?ReturnUrl=${encodeURIComponent(`${window.location.pathname}?${RETURN_PARAMETER}=${format}`)}`;

  return (
    <section className="panel export-panel" aria-labelledby="export-heading" data-testid="export-panel">
      <h2 id="export-heading">{t('export.heading')}</h2>
      <p className="hint">{t('export.lede')}</p>
      <form onSubmit={(e) => void form.onSubmit(e)} noValidate className="form-row export-form">
        <fieldset className="fieldset export-formats">
          <legend className="field-label">{t('export.format')}</legend>
          {(['csv', 'jsonl'] as const).map((f) => (
            <label key={f} className="choice">
              <input type="radio" name={name} value={f} checked={format === f} onChange={() => setFormat(f)} />
              {t(f === 'csv' ? 'export.csv' : 'export.jsonl')}
            </label>
          ))}
        </fieldset>
        <button ref={submitRef} type="submit" className="button" disabled={form.submitting} aria-busy={form.submitting}>
          {form.submitting ? t('export.working') : t('export.submit')}
        </button>
      </form>
      {stale ? (
        <div className="alert" role="alert" id={form.errorId}>
          <p className="alert-title">{t('export.reauthenticate')}</p>
          <p className="alert-detail">{t('export.reauthenticateDetail')}</p>
          <a className="button" href={signInUrl} data-testid="export-sign-in">
            {t('error.signInAgain')}
          </a>
        </div>
      ) : (
        <FormError error={form.error} problems={problems} id={form.errorId} />
      )}
      <StatusMessage message={message} />
    </section>
  );
}
