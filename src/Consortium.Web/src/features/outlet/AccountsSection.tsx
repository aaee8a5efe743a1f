import { useId, useState } from 'react';
import { api } from '../../api/client';
import type { Account, Invitation } from '../../api/types';
import { ConfirmDialog } from '../../shared/ConfirmDialog';
import { CopyField, OneTimeSecret } from '../../shared/OneTimeSecret';
import { emailInput, FormPanel, TextField, useSubmitForm } from '../../shared/forms';
import { useFieldProblems } from '../../shared/FormErrors';
import { DataTable, StatusMessage } from '../../shared/ui';
import { t } from '../../i18n';
import { useMe } from '../../shared/session';

interface Props {
  accounts: Account[];
  update: (change: (current: Account[]) => Account[]) => void;
}

/** The outlet's accounts with their state, "Invite a colleague", and "Disable" (after a confirmation). */
export function AccountsSection({ accounts, update }: Props) {
  const me = useMe();
  const headingId = useId();
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [disabling, setDisabling] = useState<Account | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const disable = async (account: Account) => {
    await api.disableAccount(account.id);
    update((current) => current.map((a) => (a.id === account.id ? { ...a, disabled: true } : a)));
    setStatus(t('outlet.accounts.disabledDone', { name: account.displayName }));
  };

  return (
    <section aria-labelledby={headingId} className="section">
      <h2 id={headingId}>{t('outlet.accounts.heading')}</h2>
      <StatusMessage message={status} />
      {accounts.length === 0 ? (
        <p className="empty">{t('outlet.accounts.empty')}</p>
      ) : (
        <div className="table-wrap">
          <DataTable
            testId="account-list"
            caption={t('outlet.accounts.caption', { outlet: me.outletName })}
            columns={[
              t('outlet.accounts.col.name'),
              t('outlet.accounts.col.email'),
              t('outlet.accounts.col.status'),
              t('outlet.accounts.col.actions'),
            ]}
          >
              {accounts.map((account) => (
                <tr key={account.id} data-testid="account-row" data-account-id={account.id}>
                  <th scope="row" className="member-name">
                    {account.displayName}
                    {account.id === me.user && <span className="badge badge-muted">{t('common.you')}</span>}
                    {account.outletAdmin && <span className="badge badge-info">{t('outlet.accounts.admin')}</span>}
                  </th>
                  <td>
                    <span dir="ltr" className="mono-soft">
                      {account.email}
                    </span>
                  </td>
                  <td>
                    <AccountStatus account={account} />
                  </td>
                  <td>
                    {!account.disabled && account.id !== me.user && (
                      <button
                        type="button"
                        className="button secondary small danger-text"
                        aria-label={t('outlet.accounts.disableLabel', { name: account.displayName })}
                        onClick={() => setDisabling(account)}
                      >
                        {t('outlet.accounts.disable')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
          </DataTable>
        </div>
      )}
      <InviteForm
        onInvited={(result) => {
          update((current) =>
            [...current.filter((a) => a.id !== result.account.id), result.account].sort((a, b) =>
              a.displayName.localeCompare(b.displayName),
            ),
          );
          setInvitation(result);
        }}
      />
      {invitation && (
        <OneTimeSecret
          heading={t('outlet.invite.resultHeading', { name: invitation.account.displayName })}
          warning={t('outlet.invite.warning', { name: invitation.account.displayName })}
          onDone={() => setInvitation(null)}
          testId="invitation"
        >
          <CopyField label={t('outlet.invite.link')} value={invitation.invitationUrl} testId="invitation-url" />
        </OneTimeSecret>
      )}
      {disabling && (
        <ConfirmDialog
          title={t('outlet.accounts.disable.title', { name: disabling.displayName })}
          confirmLabel={t('outlet.accounts.disable.confirm')}
          onConfirm={() => disable(disabling)}
          onClose={() => setDisabling(null)}
        >
          <p>{t('outlet.accounts.disable.body')}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

/** Badges in words, not only colour: 2FA on/off, disabled, locked (or active). */
function AccountStatus({ account }: { account: Account }) {
  return (
    <span className="badges" data-testid="account-status">
      {account.twoFactorEnabled ? (
        <span className="badge badge-ok" title={t('outlet.accounts.twoFactorOnTitle')}>
          {t('outlet.accounts.twoFactorOn')}
        </span>
      ) : (
        <span className="badge badge-warn" title={t('outlet.accounts.twoFactorOffTitle')}>
          {t('outlet.accounts.twoFactorOff')}
        </span>
      )}
      {account.disabled && <span className="badge badge-danger">{t('outlet.accounts.disabled')}</span>}
      {account.lockedOut && (
        <span className="badge badge-danger" title={t('outlet.accounts.lockedTitle')}>
          {t('outlet.accounts.locked')}
        </span>
      )}
      {!account.disabled && !account.lockedOut && <span className="badge badge-ok">{t('outlet.accounts.active')}</span>}
    </span>
  );
}

function InviteForm({ onInvited }: { onInvited: (invitation: Invitation) => void }) {
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [outletAdmin, setOutletAdmin] = useState(false);
  const adminId = useId();
  const adminHintId = useId();
  const form = useSubmitForm(
    async () => {
      const invitation = await api.inviteAccount({ email: email.trim(), displayName: displayName.trim(), outletAdmin });
      setEmail('');
      setDisplayName('');
      setOutletAdmin(false);
      onInvited(invitation);
    },
    () => (email.trim() && displayName.trim() ? null : t('outlet.invite.missing')),
  );
  const errorId = form.failed ? form.errorId : undefined;
  const problems = useFieldProblems(form.error, ['email', 'displayName']);

  return (
    <FormPanel heading={t('outlet.invite.heading')} testId="invite-form" submitLabel={t('outlet.invite.submit')} form={form} shownBesideFields={problems.fields}>
      <TextField
        label={t('outlet.invite.email')}
        {...emailInput}
        value={email}
        onValue={setEmail}
        invalid={form.failed && !email.trim()}
        problem={problems.of('email')}
        errorId={errorId}
      />
      <TextField
        label={t('outlet.invite.displayName')}
        type="text"
        autoComplete="off"
        required
        maxLength={200}
        value={displayName}
        onValue={setDisplayName}
        invalid={form.failed && !displayName.trim()}
        problem={problems.of('displayName')}
        errorId={errorId}
      />
      <div className="field checkbox-field">
        <div className="choice">
          <input
            id={adminId}
            type="checkbox"
            checked={outletAdmin}
            onChange={(e) => setOutletAdmin(e.target.checked)}
            aria-describedby={adminHintId}
          />
          <label htmlFor={adminId}>{t('outlet.invite.admin')}</label>
        </div>
        <p id={adminHintId} className="hint">
          {t('outlet.invite.adminHint')}
        </p>
      </div>
    </FormPanel>
  );
}
