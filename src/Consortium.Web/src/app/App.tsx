import { useState, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { AuditPage } from '../features/audit/AuditPage';
import { InvestigationPage } from '../features/datasets/InvestigationPage';
import { InvestigationSearchPage } from '../features/datasets/InvestigationSearchPage';
import { InvestigationsPage } from '../features/investigations/InvestigationsPage';
import { DatasetPage } from '../features/datasets/DatasetPage';
import { MembersPage } from '../features/members/MembersPage';
import { OutletPage } from '../features/outlet/OutletPage';
import { RecordPage } from '../features/records/RecordPage';
import { VerificationBoardPage } from '../features/board/VerificationBoardPage';
import { InboxPage } from '../features/inbox/InboxPage';
import { EmbargoMovedBanner } from '../features/publication/EmbargoMovedBanner';
import { PublicationPlanPage } from '../features/publication/PublicationPlanPage';
import { StoryPage } from '../features/publication/StoryPage';
import { InboxProvider, useInboxIfSignedIn } from '../features/inbox/InboxProvider';
import { useSession } from '../shared/session';
import { LiveProvider } from '../live/LiveConnection';
import { formatNumber, t } from '../i18n';
import { Link, paths, useRouter } from '../shared/router';
import { ErrorAlert, Loading, PageHeading } from '../shared/ui';
import { PreferencesMenu } from '../shared/PreferencesMenu';
import { currentTimeZone, subscribeTimeZone } from '../shared/datetime';

export function App() {
  const { state, refresh } = useSession();
  // Re-renders on a language switch; the pages are mounted afresh so every string and date follows it.
  const { i18n } = useTranslation();
  const zone = useSyncExternalStore(subscribeTimeZone, currentTimeZone);
  return (
    <SignedInProviders user={state.status === 'signedIn' ? state.me.user : null}>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <Header key={i18n.language} />
      <main id="main" tabIndex={-1} className="main">
        {state.status === 'loading' && <Loading />}
        {state.status === 'error' && <ErrorAlert error={state.error} onRetry={refresh} />}
        {state.status === 'signedOut' && <Loading />}
        {state.status === 'signedIn' && <EmbargoMovedBanner />}
        {state.status === 'signedIn' && <Routes key={`${i18n.language} ${zone}`} />}
      </main>
    </SignedInProviders>
  );
}

/**
 * One live connection per signed-in user (a different user gets a fresh one) and their inbox, around the header
 * too: its unread count is live.
 */
function SignedInProviders({ user, children }: { user: string | null; children: ReactNode }) {
  if (!user) return <>{children}</>;
  return (
    <LiveProvider key={user}>
      <InboxProvider>{children}</InboxProvider>
    </LiveProvider>
  );
}

/** The Inbox link with the number of unread entries, kept current by the inbox's pushes. */
function InboxNavLink({ current }: { current: boolean }) {
  const inbox = useInboxIfSignedIn();
  const unread = inbox?.unread ?? 0;
  return (
    <Link to={paths.inbox()} aria-current={current ? 'page' : undefined} data-testid="nav-inbox">
      {t('nav.inbox')}
      {unread > 0 && (
        <>
          {' '}
          <span className="nav-count" data-testid="inbox-unread-count" aria-hidden="true">
            {formatNumber(unread)}
          </span>
          <span className="visually-hidden">{t('nav.inboxUnread', { count: unread })}</span>
        </>
      )}
    </Link>
  );
}

function Header() {
  const { state, signOut } = useSession();
  const { route } = useRouter();
  const [signingOut, setSigningOut] = useState(false);
  const me = state.status === 'signedIn' ? state.me : null;
  // Shown only to outlet administrators (the server still decides: /outlet answers only them).
  const isOutletAdmin = me?.outletAdmin === true;

  return (
    <header className="app-header">
      <div className="app-header-inner">
        <Link to={paths.home()} className="brand">
          {t('app.name')}
        </Link>
        {me && (
          <nav aria-label={t('nav.label')} className="app-nav">
            <ul>
              <li>
                <Link to={paths.home()} aria-current={route.name === 'home' ? 'page' : undefined}>
                  {t('nav.investigations')}
                </Link>
              </li>
              <li>
                <InboxNavLink current={route.name === 'inbox'} />
              </li>
              {isOutletAdmin && (
                <li>
                  <Link
                    to={paths.outlet()}
                    aria-current={route.name === 'outlet' ? 'page' : undefined}
                    data-testid="nav-outlet"
                  >
                    {t('nav.myOutlet')}
                  </Link>
                </li>
              )}
            </ul>
          </nav>
        )}
        {me && (
          <div className="user-box">
            <span className="user-name" data-testid="current-user">
              <span className="visually-hidden">{t('header.signedIn')} </span>
              <span className="user-display">{me.displayName}</span>
              <span className="user-outlet">{me.outletName}</span>
            </span>
            <PreferencesMenu />
            <button
              type="button"
              className="button secondary small"
              disabled={signingOut}
              onClick={() => {
                setSigningOut(true);
                void signOut().finally(() => setSigningOut(false));
              }}
            >
              {t('header.signOut')}
            </button>
          </div>
        )}
      </div>
    </header>
  );
}

function Routes() {
  const { route } = useRouter();
  switch (route.name) {
    case 'home':
      return <InvestigationsPage />;
    case 'investigation':
      return <InvestigationPage key={route.id} id={route.id} />;
    case 'members':
      return <MembersPage key={route.id} id={route.id} />;
    case 'audit':
      return <AuditPage key={route.id} id={route.id} />;
    case 'investigationSearch':
      return <InvestigationSearchPage key={route.id} id={route.id} />;
    case 'board':
      return <VerificationBoardPage key={route.id} id={route.id} />;
    case 'inbox':
      return <InboxPage />;
    case 'outlet':
      return <OutletPage />;
    case 'dataset':
      return <DatasetPage key={route.id} id={route.id} />;
    case 'record':
      return <RecordPage key={route.id} id={route.id} />;
    case 'publicationPlan':
      return <PublicationPlanPage key={route.id} id={route.id} />;
    case 'story':
      return <StoryPage key={route.id} id={route.id} />;
    case 'notFound':
      return <NotFound />;
  }
}

function NotFound() {
  return (
    <>
      <PageHeading title={t('app.notFound.title')}>{t('app.notFound.title')}</PageHeading>
      <p>{t('app.notFound.body')}</p>
      <p>
        <Link to={paths.home()}>{t('app.backHome')}</Link>
      </p>
    </>
  );
}
