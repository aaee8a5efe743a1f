import { useState } from 'react';
import { api } from '../../api/client';
import type { DevUser } from '../../api/types';
import { ErrorAlert, Loading, PageHeading } from '../../app/ui';
import { useResource } from '../../app/useResource';
import { t } from '../../i18n';
import { useSession } from '../session/session';

/** Development stand-in for sign-in: pick one of the server's demo users. */
export function SignInPage() {
  const { signIn } = useSession();
  const users = useResource((signal) => api.devUsers(signal), []);
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const choose = async (user: DevUser) => {
    setPending(user.user);
    setError(null);
    try {
      await signIn(user.user);
    } catch (e) {
      setError(e);
      setPending(null);
    }
  };

  return (
    <div className="signin">
      <PageHeading title={t('signin.title')}>{t('signin.title')}</PageHeading>
      <p className="lede">{t('signin.intro')}</p>
      {users.loading && <Loading />}
      {users.error !== undefined && <ErrorAlert error={users.error} onRetry={users.reload} />}
      {users.data && users.data.length === 0 && <p>{t('signin.noUsers')}</p>}
      {users.data && users.data.length > 0 && (
        <ul className="signin-users">
          {users.data.map((user) => (
            <li key={user.user}>
              <button
                type="button"
                className="button signin-user"
                disabled={pending !== null}
                aria-busy={pending === user.user}
                onClick={() => void choose(user)}
              >
                {t('signin.userButton', { displayName: user.displayName, outletName: user.outletName })}
              </button>
            </li>
          ))}
        </ul>
      )}
      {pending && <p role="status">{t('signin.signingIn')}</p>}
      {error !== null && <ErrorAlert error={error} />}
    </div>
  );
}
