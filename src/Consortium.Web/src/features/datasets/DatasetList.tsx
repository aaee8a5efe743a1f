import type { Dataset } from '../../api/types';
import { Link, paths } from '../../shared/router';
import { t, tp } from '../../i18n';
import { CompartmentBadge } from './CompartmentBadge';
import { CompartmentEditor } from './CompartmentEditor';

interface Props {
  datasets: Dataset[];
  /** Given to coordinators: each card then offers "Who can see this dataset". */
  compartments?: { memberOutletIds: readonly string[]; onSaved: (dataset: Dataset) => void };
}

export function DatasetList({ datasets, compartments }: Props) {
  if (datasets.length === 0) return <p className="empty">{t('investigation.noDatasets')}</p>;
  return (
    <ul className="card-list">
      {datasets.map((ds) => (
        <li key={ds.id} className="card" data-testid="dataset-card" data-dataset-id={ds.id}>
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
          {compartments && (
            <CompartmentEditor
              dataset={ds}
              memberOutletIds={compartments.memberOutletIds}
              onSaved={compartments.onSaved}
            />
          )}
        </li>
      ))}
    </ul>
  );
}
