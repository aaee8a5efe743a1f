import { useId, useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../../api/client';
import { investigationRoles, type InvestigationRole, type Member } from '../../api/types';
import { ErrorAlert } from '../../shared/ui';
import { t } from '../../i18n';
import { localInputToIso, toLocalInputValue } from '../../shared/datetime';
import { roleLabel } from './roles';

/** "Add a member": email of the person's account, role, and an optional end of access. Coordinators only. */
export function AddMemberForm({ investigationId, onAdded }: { investigationId: string; onAdded: (member: Member) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<InvestigationRole>('reporter');
  const [expires, setExpires] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const headingId = useId();
  const emailId = useId();
  const roleId = useId();
  const expiresId = useId();
  const hintId = useId();
  const expiresHintId = useId();
  const errorId = useId();

  const emailInvalid = error !== undefined && (fieldErrors(error, 'email').length > 0 || !email.trim());
  const expiresInvalid = error !== undefined && fieldErrors(error, 'expiresAt').length > 0;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (submitting) return;
    if (!email.trim()) {
      setError(new Error(t('members.add.emailMissing')));
      return;
    }
    let expiresAt: string | null = null;
    if (expires) {
      expiresAt = localInputToIso(expires);
      if (!expiresAt) {
        setError(new Error(t('members.add.expiresInvalid')));
        return;
      }
    }
    setSubmitting(true);
    setError(undefined);
    try {
      const member = await api.addMember(investigationId, { email: email.trim(), role, expiresAt });
      setEmail('');
      setExpires('');
      onAdded(member);
    } catch (e) {
      setError(e);
    } finally {
      setSubmitting(false);
    }
  };

  const describedBy = (...ids: string[]) => [...ids, error !== undefined ? errorId : ''].filter(Boolean).join(' ');

  return (
    <section aria-labelledby={headingId} className="panel form-panel">
      <h2 id={headingId}>{t('members.add.heading')}</h2>
      <p id={hintId} className="hint">
        {t('members.add.hint')}
      </p>
      <form onSubmit={(e) => void onSubmit(e)} noValidate data-testid="add-member-form" className="form-grid">
        <div className="field">
          <label htmlFor={emailId} className="field-label">
            {t('members.add.email')}
          </label>
          <input
            id={emailId}
            className="input"
            type="email"
            autoComplete="off"
            spellCheck={false}
            dir="ltr"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-describedby={describedBy(hintId)}
            aria-invalid={emailInvalid ? true : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor={roleId} className="field-label">
            {t('members.add.role')}
          </label>
          <select id={roleId} className="input select" value={role} onChange={(e) => setRole(e.target.value as InvestigationRole)}>
            {investigationRoles.map((r) => (
              <option key={r} value={r}>
                {roleLabel(r)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={expiresId} className="field-label">
            {t('members.add.expires')}
          </label>
          <input
            id={expiresId}
            className="input"
            type="datetime-local"
            min={toLocalInputValue(new Date())}
            value={expires}
            onChange={(e) => setExpires(e.target.value)}
            aria-describedby={describedBy(expiresHintId)}
            aria-invalid={expiresInvalid ? true : undefined}
          />
          <p id={expiresHintId} className="hint">
            {t('members.add.expiresHint')}
          </p>
        </div>
        <div className="form-actions">
          <button type="submit" className="button" disabled={submitting} aria-busy={submitting}>
            {t('members.add.submit')}
          </button>
        </div>
      </form>
      {error !== undefined && <ErrorAlert error={error} id={errorId} />}
    </section>
  );
}
