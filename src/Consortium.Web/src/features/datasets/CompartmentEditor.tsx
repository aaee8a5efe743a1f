import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { Dataset } from '../../api/types';
import { ErrorAlert } from '../../shared/ui';
import { t } from '../../i18n';
import { useMe, useOutletName } from '../../shared/session';

interface Props {
  dataset: Dataset;
  memberOutletIds: readonly string[];
  onSaved: (dataset: Dataset) => void;
}

/**
 * "Who can see this dataset", for coordinators: every member outlet, or only the ticked ones. The coordinator's own
 * outlet always stays inside (the server adds it), so it is shown ticked and cannot be unticked.
 */
export function CompartmentEditor({ dataset, memberOutletIds, onSaved }: Props) {
  const me = useMe();
  const outletName = useOutletName();
  const shared = dataset.sharedWithOutletIds;
  const [mode, setMode] = useState<'all' | 'some'>(shared ? 'some' : 'all');
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(shared ?? memberOutletIds));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const name = useId();
  const errorId = useId();
  const outlets = [...memberOutletIds].sort((a, b) => outletName(a).localeCompare(outletName(b)));

  const toggle = (outletId: string, on: boolean) => {
    setSaved(false);
    setChosen((current) => {
      const next = new Set(current);
      if (on) next.add(outletId);
      else next.delete(outletId);
      return next;
    });
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    setSaving(true);
    setError(undefined);
    setSaved(false);
    try {
      const outletIds = mode === 'all' ? null : outlets.filter((o) => o === me.outletId || chosen.has(o));
      const updated = await api.setCompartment(dataset.id, { outletIds });
      onSaved(updated);
      setSaved(true);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <details className="card-controls compartment-editor" data-testid="compartment-editor">
      <summary>{t('compartment.summary')}</summary>
      <form onSubmit={(e) => void onSubmit(e)} noValidate>
        <fieldset className="fieldset">
          <legend className="visually-hidden">{t('compartment.legend', { dataset: dataset.name })}</legend>
          <label className="choice">
            <input
              type="radio"
              name={name}
              value="all"
              checked={mode === 'all'}
              onChange={() => {
                setMode('all');
                setSaved(false);
              }}
            />
            {t('compartment.all')}
          </label>
          <label className="choice">
            <input
              type="radio"
              name={name}
              value="some"
              checked={mode === 'some'}
              onChange={() => {
                setMode('some');
                setSaved(false);
              }}
            />
            {t('compartment.some')}
          </label>
          <fieldset className="fieldset checklist" disabled={mode === 'all'}>
            <legend className="visually-hidden">{t('compartment.outlets', { dataset: dataset.name })}</legend>
            <ul>
              {outlets.map((outletId) => {
                const own = outletId === me.outletId;
                return (
                  <li key={outletId}>
                    <label className="choice">
                      <input
                        type="checkbox"
                        value={outletId}
                        checked={own || mode === 'all' || chosen.has(outletId)}
                        disabled={own}
                        onChange={(e) => toggle(outletId, e.target.checked)}
                      />
                      {own ? t('compartment.own', { outlet: outletName(outletId) }) : outletName(outletId)}
                    </label>
                  </li>
                );
              })}
            </ul>
          </fieldset>
        </fieldset>
        <button
          type="submit"
          className="button small"
          disabled={saving}
          aria-busy={saving}
          aria-describedby={error !== undefined ? errorId : undefined}
        >
          {t('compartment.save')}
        </button>
        <p className="hint" role="status">
          {saved ? t('compartment.saved') : ''}
        </p>
        {error !== undefined && <ErrorAlert error={error} id={errorId} />}
      </form>
    </details>
  );
}
