import { useRef, useState } from 'react';
import { api } from '../../api/client';
import { FormError, useFieldProblems } from '../../shared/FormErrors';
import { OutletChoices } from '../../shared/OutletChoices';
import { useSubmitForm } from '../../shared/forms';
import { useMe, useOutletName } from '../../shared/session';
import { StatusMessage } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { t } from '../../i18n';

const fields = ['outletIds'] as const;

/**
 * Who sees this record: every outlet that sees its dataset, or only the outlets it is restricted to. Coordinators
 * restrict it to ticked member outlets and release it (the server checks the role and asks for a recent sign-in;
 * outlets left out are cut off at once, open pages included).
 */
export function RestrictionPanel({
  recordId,
  memberOutletIds,
  canRestrict,
}: {
  recordId: string;
  memberOutletIds: readonly string[];
  canRestrict: boolean;
}) {
  const me = useMe();
  const outletName = useOutletName();
  const restriction = useResource((signal) => api.restriction(recordId, signal), [recordId]);
  const current = restriction.data?.outletIds ?? null;
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [message, setMessage] = useState<string | null>(null);
  // Which button submitted: read when the submit runs, in the same event as the click (a state would lag a render).
  const releasing = useRef(false);

  const save = async (outletIds: string[] | null) => {
    setMessage(null);
    const saved = await api.setRestriction(recordId, { outletIds });
    restriction.update(() => saved);
    setMessage(saved.outletIds ? t('restriction.restricted') : t('restriction.released'));
  };
  const form = useSubmitForm(() => (releasing.current ? save(null) : save([...chosen])));
  const problems = useFieldProblems(form.error, fields);

  return (
    <section className="restriction-panel" aria-labelledby="restriction-heading" data-testid="restriction-panel">
      <h3 id="restriction-heading">{t('restriction.heading')}</h3>
      <p data-testid="restriction-state">
        {current ? t('restriction.to', { outlets: current.map(outletName).join(', ') }) : t('restriction.none')}
      </p>
      {canRestrict && (
        <form onSubmit={(e) => void form.onSubmit(e)} noValidate>
          <OutletChoices
            legend={t('restriction.legend')}
            outletIds={memberOutletIds}
            own={me.outletId}
            ownLabel={(outlet) => t('restriction.own', { outlet })}
            chosen={chosen}
            onChange={setChosen}
            problem={problems.of('outletIds')}
          />
          <div className="form-actions-row">
            <button type="submit" className="button" disabled={form.submitting} onClick={() => (releasing.current = false)}>
              {t('restriction.restrict')}
            </button>
            {current && (
              <button type="submit" className="button secondary" disabled={form.submitting} onClick={() => (releasing.current = true)}>
                {t('restriction.release')}
              </button>
            )}
          </div>
        </form>
      )}
      <FormError error={form.error} problems={problems} id={form.errorId} />
      {canRestrict && <StatusMessage message={message} />}
    </section>
  );
}
