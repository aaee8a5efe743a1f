import { useId, useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react';
import { ErrorAlert } from './ui';
import { FieldError, type FieldProblem } from './FormErrors';

export interface SubmitState {
  submitting: boolean;
  error: unknown;
  failed: boolean;
  /** The id of the error alert, for the fields' aria-describedby. */
  errorId: string;
  onSubmit: (event: FormEvent) => Promise<void>;
}

/**
 * A form that sends one request: refuses with `check`'s message before sending (nothing sent), ignores a second
 * submit while one is in flight, and keeps the last error for the alert and the fields' aria-invalid.
 */
export function useSubmitForm(send: () => Promise<void>, check?: () => string | null): SubmitState {
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const errorId = useId();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (submitting) return;
    const refusal = check?.();
    if (refusal) {
      setError(new Error(refusal));
      return;
    }
    setSubmitting(true);
    setError(undefined);
    try {
      await send();
    } catch (e) {
      setError(e);
    } finally {
      setSubmitting(false);
    }
  };

  return { submitting, error, failed: error !== undefined, errorId, onSubmit };
}

/** A panel holding one form: heading, an optional lede, the fields, the submit button and the error alert. */
export function FormPanel({
  heading,
  headingLevel = 3,
  lede,
  testId,
  submitLabel,
  form,
  shownBesideFields,
  children,
}: {
  heading: string;
  headingLevel?: 2 | 3;
  lede?: ReactNode;
  testId: string;
  submitLabel: string;
  form: SubmitState;
  /** Fields that show their own messages (FieldError): the alert leaves those out. */
  shownBesideFields?: readonly string[];
  children: ReactNode;
}) {
  const headingId = useId();
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <section aria-labelledby={headingId} className="panel form-panel">
      <Heading id={headingId}>{heading}</Heading>
      {lede}
      <form onSubmit={(e) => void form.onSubmit(e)} noValidate className="form-grid" data-testid={testId}>
        {children}
        <div className="form-actions">
          <button type="submit" className="button" disabled={form.submitting} aria-busy={form.submitting}>
            {submitLabel}
          </button>
        </div>
      </form>
      {form.failed && <ErrorAlert error={form.error} id={form.errorId} shownBesideFields={shownBesideFields} />}
    </section>
  );
}

/** The attributes of an email address field: typed left to right, never autocorrected or filled in by the browser. */
export const emailInput = { type: 'email', autoComplete: 'off', spellCheck: false, dir: 'ltr', required: true } as const;

/**
 * A labelled text input. It is described by its hint (shown under it), then by `describedBy` (ids elsewhere on the
 * page), then by `errorId` while the form shows an error.
 */
export function TextField({
  label,
  hint,
  describedBy = [],
  errorId,
  invalid,
  problem,
  onValue,
  ...input
}: {
  label: string;
  hint?: string;
  describedBy?: string[];
  errorId?: string;
  invalid: boolean;
  /** The server's messages for this field, shown under it (and the field described by them). */
  problem?: FieldProblem;
  onValue: (value: string) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'onChange' | 'className' | 'aria-invalid' | 'aria-describedby'>) {
  const id = useId();
  const hintId = useId();
  const ids = [problem?.errorId ?? '', hint ? hintId : '', ...describedBy, errorId ?? ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        className="input"
        {...input}
        onChange={(e) => onValue(e.target.value)}
        aria-invalid={invalid || problem?.invalid ? true : undefined}
        aria-describedby={ids || undefined}
      />
      {problem && <FieldError problem={problem} />}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}

/** A labelled field: the label names the control that `children` renders with the id it is given. */
export function Field({ label, className = 'field', children }: { label: string; className?: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className={className}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children(id)}
    </div>
  );
}
