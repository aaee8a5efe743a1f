import { useId, useState } from 'react';
import { api } from '../../api/client';
import { investigationRoles, type InvestigationRole, type Member } from '../../api/types';
import { emailInput, Field, FormPanel, TextField, useSubmitForm } from '../../shared/forms';
import { FieldError, useFieldProblems } from '../../shared/FormErrors';
import { t } from '../../i18n';
import { localInputToIso, toLocalInputValue } from '../../shared/datetime';
import { roleLabel } from './roles';

/** "Add a member": email of the person's account, role, and an optional end of access. Coordinators only. */
export function AddMemberForm({ investigationId, onAdded }: { investigationId: string; onAdded: (member: Member) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<InvestigationRole>('reporter');
  const [expires, setExpires] = useState('');
  const hintId = useId();
  const expiresHintId = useId();
  const form = useSubmitForm(
    async () => {
      const member = await api.addMember(investigationId, { email: email.trim(), role, expiresAt: expires ? localInputToIso(expires) : null });
      setEmail('');
      setExpires('');
      onAdded(member);
    },
    () => {
      if (!email.trim()) return t('members.add.emailMissing');
      if (expires && !localInputToIso(expires)) return t('members.add.expiresInvalid');
      return null;
    },
  );
  const errorId = form.failed ? form.errorId : undefined;
  const problems = useFieldProblems(form.error, ['email', 'role', 'expiresAt']);
  const expiresInvalid = problems.of('expiresAt').invalid;

  return (
    <FormPanel
      heading={t('members.add.heading')}
      headingLevel={2}
      lede={
        <p id={hintId} className="hint">
          {t('members.add.hint')}
        </p>
      }
      testId="add-member-form"
      submitLabel={t('members.add.submit')}
      form={form}
      shownBesideFields={problems.fields}
    >
      <TextField
        label={t('members.add.email')}
        {...emailInput}
        value={email}
        onValue={setEmail}
        describedBy={[hintId]}
        invalid={form.failed && !email.trim()}
        problem={problems.of('email')}
        errorId={errorId}
      />
      <Field label={t('members.add.role')}>
        {(id) => (
          <select id={id} className="input select" value={role} onChange={(e) => setRole(e.target.value as InvestigationRole)}>
            {investigationRoles.map((r) => (
              <option key={r} value={r}>
                {roleLabel(r)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FieldError problem={problems.of('role')} />
      <Field label={t('members.add.expires')}>
        {(id) => (
          <>
            <input
              id={id}
              className="input"
              type="datetime-local"
              min={toLocalInputValue(new Date())}
              value={expires}
              onChange={(e) => setExpires(e.target.value)}
              aria-describedby={[problems.of('expiresAt').errorId, expiresHintId, errorId].filter(Boolean).join(' ')}
              aria-invalid={expiresInvalid ? true : undefined}
            />
            <FieldError problem={problems.of('expiresAt')} />
            <p id={expiresHintId} className="hint">
              {t('members.add.expiresHint')}
            </p>
          </>
        )}
      </Field>
    </FormPanel>
  );
}
