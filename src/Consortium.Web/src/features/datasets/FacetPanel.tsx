import type { FacetCount, SearchFacets } from '../../api/types';
import { formatNumber, t } from '../../i18n';
import type { RecordSearch } from './useRecordPages';

type FacetKey = 'country' | 'dataset' | 'verification' | 'tag' | 'annotated';

/**
 * The facet sidebar: for each facet its values with the number of matching records (counted by the server for the
 * search without that facet's own filter, and never counting what the caller cannot see). A value is a toggle.
 */
export function FacetPanel({
  facets,
  search,
  investigationWide,
  datasetName,
  onToggle,
}: {
  facets: SearchFacets | null;
  search: RecordSearch;
  investigationWide: boolean;
  datasetName: (id: string) => string;
  onToggle: (key: FacetKey, value: string) => void;
}) {
  const annotated = search.annotated === 'true' ? 'yes' : search.annotated === 'false' ? 'no' : '';
  // One group per facet, in sidebar order; `pick` turns a shown value into the filter's value.
  const groups: (Omit<GroupProps, 'onPick'> & { key: FacetKey; pick?: (value: string) => string })[] = [
    { key: 'country', testId: 'country-facets', itemTestId: 'country-facet', label: t('dataset.facets.label'), title: t('dataset.facets.title'),
      counts: facets?.countries, selected: search.country, display: (value) => value ?? t('dataset.facets.noCountry') },
    ...(investigationWide
      ? [{ key: 'dataset' as const, testId: 'dataset-facets', label: t('search.facets.datasetLabel'), title: t('search.facets.dataset'),
          counts: facets?.datasets, selected: search.dataset, display: (value: string | null) => (value === null ? '' : datasetName(value)) }]
      : []),
    { key: 'verification', testId: 'verification-facets', label: t('search.facets.verificationLabel'), title: t('search.facets.verification'),
      counts: facets?.verificationStates, selected: search.verification, display: (value) => value ?? t('search.facets.noVerdict') },
    { key: 'tag', testId: 'tag-facets', label: t('search.facets.tagLabel'), title: t('search.facets.tag'),
      counts: facets?.tags, selected: search.tag, display: (value) => value ?? '' },
    { key: 'annotated', testId: 'annotated-facets', label: t('search.facets.annotatedLabel'), title: t('search.facets.annotated'),
      counts: facets?.annotated, selected: annotated, pick: (value) => (value === 'yes' ? 'true' : 'false'),
      display: (value) => (value === 'yes' ? t('search.facets.annotatedYes') : t('search.facets.annotatedNo')) },
  ];
  return (
    <div className="facets" data-testid="facets">
      {groups.map(({ key, pick, ...group }) => (
        <FacetGroup key={key} {...group} onPick={(value) => onToggle(key, pick ? pick(value) : value)} />
      ))}
    </div>
  );
}

interface GroupProps {
  testId: string;
  label: string;
  title: string;
  counts: FacetCount[] | undefined;
  selected: string;
  display: (value: string | null) => string;
  onPick: (value: string) => void;
  itemTestId?: string;
}

function FacetGroup({ testId, label, title, counts, selected, display, onPick, itemTestId }: GroupProps) {
  const list = counts ?? [];
  return (
    <nav aria-label={label} className="facet-group" data-testid={testId}>
      <h2 className="facets-title">{title}</h2>
      {list.length === 0 ? (
        <p className="hint">{t('search.facets.empty')}</p>
      ) : (
        <ul className="facet-list">
          {list.map((facet) => {
            const isSelected = facet.value !== null && selected === facet.value;
            return (
              <li key={facet.value ?? ''}>
                <button
                  type="button"
                  className="facet-button"
                  data-testid={itemTestId ?? 'facet'}
                  data-value={facet.value ?? ''}
                  aria-pressed={isSelected}
                  // Records without a value cannot be picked: the filters name values.
                  disabled={facet.value === null}
                  onClick={() => facet.value !== null && onPick(facet.value)}
                >
                  <span className="facet-value">{display(facet.value)}</span> <span className="facet-count">{facet.atLeast ? t('facet.atLeast', { count: facet.count }) : formatNumber(facet.count)}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
