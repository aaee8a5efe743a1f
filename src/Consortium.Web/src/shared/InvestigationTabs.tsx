import type { InvestigationRole } from '../api/types';
import { t, type MessageKey } from '../i18n';
import { Link, paths } from './router';

export type InvestigationSection = 'datasets' | 'search' | 'members' | 'board' | 'plan' | 'audit';

const tabs: { section: InvestigationSection; path: (id: string) => string; label: MessageKey; testId: string }[] = [
  { section: 'datasets', path: paths.investigation, label: 'investigation.tab.datasets', testId: 'datasets-tab' },
  { section: 'search', path: paths.investigationSearch, label: 'investigation.tab.search', testId: 'search-tab' },
  { section: 'members', path: paths.members, label: 'investigation.tab.members', testId: 'members-link' },
  { section: 'board', path: paths.board, label: 'investigation.tab.board', testId: 'board-tab' },
  { section: 'plan', path: paths.publicationPlan, label: 'investigation.tab.plan', testId: 'plan-tab' },
  { section: 'audit', path: paths.audit, label: 'investigation.tab.audit', testId: 'audit-tab' },
];

/**
 * The sections of one investigation, as links: Datasets, Search, Members, Board, Publication plan
 * and, for coordinators, Audit.
 * `myRole` is the investigation's `myRole`; the server refuses the audit log to everyone else anyway.
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
        {tabs
          .filter((tab) => tab.section !== 'audit' || myRole === 'coordinator')
          .map((tab) => (
            <li key={tab.section}>
              <Link to={tab.path(id)} aria-current={current === tab.section ? 'page' : undefined} data-testid={tab.testId}>
                {t(tab.label)}
              </Link>
            </li>
          ))}
      </ul>
    </nav>
  );
}
