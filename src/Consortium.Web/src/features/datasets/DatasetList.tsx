import type { Dataset } from '../../api/types';
import { paths } from '../../shared/router';
import { CardContent } from '../../shared/ui';
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
          <CardContent
            title={ds.name}
            to={paths.dataset(ds.id)}
            headingLevel={3}
            linkTestId="dataset-link"
            description={ds.description}
            meta={
              <>
                <CompartmentBadge dataset={ds} />
                <span>{tp('dataset.records', ds.recordCount)}</span>
                <span>{t('dataset.columns', { columns: ds.columns.join(', ') })}</span>
              </>
            }
          />
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
