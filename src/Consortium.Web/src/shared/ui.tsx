import { useEffect, useRef, type ReactNode } from 'react';
import { ApiError, describeError } from '../api/client';
import { t } from '../i18n';
import { Link, paths } from './router';
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

export function needsFreshSignIn(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403 && error.problem.type === REAUTHENTICATION_PROBLEM;
}

export function ErrorAlert({
  error,
  onRetry,
  id,
  shownBesideFields,
}: {
  error: unknown;
  onRetry?: () => void;
  id?: string;
  /** Fields whose messages the form shows next to them (FieldError), left out here. */
  shownBesideFields?: readonly string[];
}) {
  const { title, detail } = describeError(error, shownBesideFields);
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

/**
 * The first crumbs of every page inside an investigation: Investigations, then the investigation (when known) under
 * its name, or `pending` while it loads.
 */
export function investigationTrail(id: string | null | undefined, name: string | undefined, pending = t('app.loading')): Crumb[] {
  const home: Crumb = { label: t('nav.investigations'), to: paths.home() };
  return id ? [home, { label: name ?? pending, to: paths.investigation(id) }] : [home];
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

export type TableColumn = string | { label: string; className?: string } | false;

/**
 * A table with a caption (hidden unless `captionVisible`: the page's heading says it), one header cell per column
 * (a `false` column is left out) and the rows as children.
 */
export function DataTable({
  caption,
  captionVisible = false,
  columns,
  className = 'data-table',
  testId,
  children,
}: {
  caption?: string;
  captionVisible?: boolean;
  columns: TableColumn[];
  className?: string;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <table className={className} data-testid={testId}>
      {caption !== undefined && <caption className={captionVisible ? undefined : 'visually-hidden'}>{caption}</caption>}
      <thead>
        <tr>
          {columns.map((column, n) =>
            column === false ? null : typeof column === 'string' ? (
              <th key={n} scope="col">
                {column}
              </th>
            ) : (
              <th key={n} scope="col" className={column.className}>
                {column.label}
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/** The inside of a card in a card list: a heading whose link covers the card, the description, then a line of facts. */
export function CardContent({
  title,
  to,
  headingLevel,
  linkTestId,
  description,
  meta,
}: {
  title: string;
  to: string;
  headingLevel: 2 | 3;
  linkTestId: string;
  description: string;
  meta: ReactNode;
}) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <>
      <Heading className="card-title">
        <Link to={to} className="card-link" data-testid={linkTestId}>
          {title}
        </Link>
      </Heading>
      {description && <p className="card-body">{description}</p>}
      <p className="card-meta">{meta}</p>
    </>
  );
}
