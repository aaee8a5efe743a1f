import type { InvestigationRole } from '../api/types';
import { Link, paths } from '../shared/router';
import { t } from '../i18n';

export type InvestigationSection = 'datasets' | 'search' | 'members' | 'board' | 'audit';

/**
 * The sections of one investigation, as links: Datasets, Members and, for coordinators, Audit. `myRole` is the
 * investigation's `myRole`; the server refuses the audit log to everyone else anyway.
 */
export function InvestigationTabs({
  id,
  current,
  myRole,
}: {
  id: string;
  current: InvestigationSection;
  myRole: InvestigationRole | null | undefined;
}) {
  return (
    <nav aria-label={t('investigation.sections')} className="subnav">
      <ul>
        <li>
          <Link
            to={paths.investigation(id)}
            aria-current={current === 'datasets' ? 'page' : undefined}
            data-testid="datasets-tab"
          >
            {t('investigation.tab.datasets')}
          </Link>
        </li>
        <li>
          <Link
            to={paths.investigationSearch(id)}
            aria-current={current === 'search' ? 'page' : undefined}
            data-testid="search-tab"
          >
            {t('investigation.tab.search')}
          </Link>
        </li>
        <li>
          <Link to={paths.members(id)} aria-current={current === 'members' ? 'page' : undefined} data-testid="members-link">
            {t('investigation.tab.members')}
          </Link>
        </li>
        <li>
          <Link to={paths.board(id)} aria-current={current === 'board' ? 'page' : undefined} data-testid="board-tab">
            {t('investigation.tab.board')}
          </Link>
        </li>
        {myRole === 'coordinator' && (
          <li>
            <Link to={paths.audit(id)} aria-current={current === 'audit' ? 'page' : undefined} data-testid="audit-tab">
              {t('investigation.tab.audit')}
            </Link>
          </li>
        )}
      </ul>
    </nav>
  );
}
