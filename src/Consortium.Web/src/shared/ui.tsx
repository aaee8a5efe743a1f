import { useEffect, useRef, type ReactNode } from 'react';
import { ApiError, describeError } from '../api/client';
import { t } from '../i18n';
import { Link } from './router';
import { consumeNavigationFocus } from './focus';

export function Loading({ label }: { label?: string }) {
  return (
    <p className="loading" role="status">
      {label ?? t('app.loading')}
    </p>
  );
}

/** Shows a problem's title and detail in a role="alert" element. */
const REAUTHENTICATION_PROBLEM = 'https://consortium.example/problems/reauthentication-required';

function needsFreshSignIn(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403 && error.problem.type === REAUTHENTICATION_PROBLEM;
}

export function ErrorAlert({ error, onRetry, id }: { error: unknown; onRetry?: () => void; id?: string }) {
  const { title, detail } = describeError(error);
  return (
    <div className="alert" role="alert" id={id}>
      <p className="alert-title">{title}</p>
      {detail && <p className="alert-detail">{detail}</p>}
      {needsFreshSignIn(error) && (
        // Granting access needs a recent sign-in: back to the sign-in pages, then here again.
        <a className="button" href={`/account/login?ReturnUrl=${encodeURIComponent(window.location.pathname + window.location.search)}`}>
          {t('error.signInAgain')}
        </a>
      )}
      {onRetry && (
        <button type="button" className="button secondary" onClick={onRetry}>
          {t('app.retry')}
        </button>
      )}
    </div>
  );
}

/**
 * The page's <h1>. Sets document.title, and after an in-app navigation moves focus here
 * so keyboard and screen-reader users start at the new page.
 */
export function PageHeading({ children, title }: { children: ReactNode; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = t('app.pageTitle', { page: title });
  }, [title]);
  useEffect(() => {
    if (consumeNavigationFocus()) ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className="page-title">
      {children}
    </h1>
  );
}

export interface Crumb {
  label: string;
  to?: string;
}

export function Breadcrumbs({ items }: { items: Crumb[] }) {
  return (
    <nav aria-label={t('nav.breadcrumbs')} className="breadcrumbs">
      <ol>
        {items.map((item, index) => {
          const last = index === items.length - 1;
          return (
            <li key={`${index}-${item.label}`}>
              {item.to && !last ? (
                <Link to={item.to}>{item.label}</Link>
              ) : (
                <span aria-current={last ? 'page' : undefined}>{item.label}</span>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/**
 * A polite live region that is always in the DOM (so screen readers announce changes to it),
 * for outcomes such as "Saved." after an action.
 */
export function StatusMessage({ message }: { message: string | null }) {
  return (
    <p className="status-message" role="status" data-testid="status-message">
      {message ?? ''}
    </p>
  );
}

/** Keyboard hint such as <kbd>j</kbd>. */
export function Kbd({ children }: { children: ReactNode }) {
  return <kbd className="kbd">{children}</kbd>;
}
