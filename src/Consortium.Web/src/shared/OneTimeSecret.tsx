import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { t } from '../i18n';

/** A read-only value with a copy button (clipboard API; if that is refused, the text is selected for Ctrl+C). */
export function CopyField({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const inputId = useId();

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      inputRef.current?.focus();
      inputRef.current?.select();
      setCopied('failed');
    }
  };

  return (
    <div className="field copy-field">
      <label htmlFor={inputId} className="field-label">
        {label}
      </label>
      <div className="copy-row">
        <input
          ref={inputRef}
          id={inputId}
          className="input mono copy-input"
          type="text"
          readOnly
          value={value}
          dir="ltr"
          spellCheck={false}
          autoComplete="off"
          data-testid={testId}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" className="button secondary" onClick={() => void copy()}>
          {t('common.copy')}
          <span className="visually-hidden"> {label}</span>
        </button>
      </div>
      <p className="hint" role="status">
        {copied === 'yes' ? t('common.copied') : copied === 'failed' ? t('common.copyFailed') : ''}
      </p>
    </div>
  );
}

/**
 * A panel for something the server shows exactly once (an invitation link, a client secret): a warning that it is
 * shown only now, the values with copy buttons, and a button to put it away. Takes focus when it appears so
 * keyboard and screen-reader users land on it.
 */
export function OneTimeSecret({
  heading,
  warning,
  onDone,
  children,
  testId,
}: {
  heading: string;
  warning: string;
  onDone: () => void;
  children: ReactNode;
  testId?: string;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  useEffect(() => {
    headingRef.current?.focus();
  }, []);
  return (
    <section className="one-time" aria-labelledby={headingId} data-testid={testId}>
      <h3 id={headingId} ref={headingRef} tabIndex={-1}>
        {heading}
      </h3>
      <p className="one-time-warning">
        <strong>{t('common.shownOnce')}</strong> {warning}
      </p>
      {children}
      <button type="button" className="button secondary" onClick={onDone}>
        {t('common.done')}
      </button>
    </section>
  );
}
