import type { Dataset } from '../../api/types';
import { Link, paths } from '../../app/router';
import { t, tp } from '../../i18n';
import { CompartmentBadge } from './CompartmentBadge';

export function DatasetList({ datasets }: { datasets: Dataset[] }) {
  if (datasets.length === 0) return <p className="empty">{t('investigation.noDatasets')}</p>;
  return (
    <ul className="card-list">
      {datasets.map((ds) => (
        <li key={ds.id} className="card">
          <h3 className="card-title">
            <Link to={paths.dataset(ds.id)} className="card-link" data-testid="dataset-link">
              {ds.name}
            </Link>
          </h3>
          {ds.description && <p className="card-body">{ds.description}</p>}
          <p className="card-meta">
            <CompartmentBadge dataset={ds} />
            <span>{tp('dataset.records', ds.recordCount)}</span>
            <span>{t('dataset.columns', { columns: ds.columns.join(', ') })}</span>
          </p>
        </li>
      ))}
    </ul>
  );
}
