import type { Dataset } from '../../api/types';
import { t, tp } from '../../i18n';
import { useOutletName } from '../../shared/session';

/** Who a dataset is shared with: every member outlet, or a compartment of some outlets. */
export function CompartmentBadge({ dataset }: { dataset: Dataset }) {
  const outletName = useOutletName();
  const shared = dataset.sharedWithOutletIds;
  if (shared === null || shared === undefined) {
    return <span className="badge badge-all">{t('dataset.sharedAll')}</span>;
  }
  return (
    <span className="badge badge-compartment" title={t('dataset.compartmentTitle', { outlets: shared.map(outletName).join(', ') })}>
      {tp('dataset.compartment', shared.length)}
    </span>
  );
}
