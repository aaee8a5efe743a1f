import { Link, paths } from '../../app/router';
import { t } from '../../i18n';

/** The sections of one investigation, as links: Datasets, Members. */
export function InvestigationTabs({ id, current }: { id: string; current: 'datasets' | 'members' }) {
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
          <Link to={paths.members(id)} aria-current={current === 'members' ? 'page' : undefined} data-testid="members-link">
            {t('investigation.tab.members')}
          </Link>
        </li>
      </ul>
    </nav>
  );
}
