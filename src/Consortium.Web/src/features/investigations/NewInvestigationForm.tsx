import { useState } from 'react';
import { api } from '../../api/client';
import { FormError, useFieldProblems } from '../../shared/FormErrors';
import { OutletChoices } from '../../shared/OutletChoices';
import { TextField, useSubmitForm } from '../../shared/forms';
import { paths, useRouter } from '../../shared/router';
import { useMe } from '../../shared/session';
import { useResource } from '../../shared/useResource';
import { t } from '../../i18n';

const fields = ['name', 'description', 'memberOutletIds'] as const;

/**
 * Opens an investigation, which any person may do (not a sync client): the person's outlet coordinates it, and the
 * member outlets are the ticked ones (outlets the person already works with) plus any named by id.
 */
export function NewInvestigationForm() {
  const me = useMe();
  const { navigate } = useRouter();
  const outlets = useResource((signal) => api.outlets(signal), []);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [others, setOthers] = useState('');

  const form = useSubmitForm(async () => {
    const named = others.split(/[\s,;]+/).map((o) => o.trim()).filter(Boolean);
    const created = await api.createInvestigation({
      name: name.trim(),
      description: description.trim(),
      memberOutletIds: [...new Set([...chosen, ...named])],
    });
    navigate(paths.investigation(created.id));
  });
  const problems = useFieldProblems(form.error, fields);
  const memberProblem = problems.of('memberOutletIds');
  const known = (outlets.data ?? []).map((o) => o.id);

  return (
    <details className="task-panel panel" data-testid="new-investigation">
      <summary className="task-summary">{t('newInvestigation.show')}</summary>
      <h2 className="task-heading">{t('newInvestigation.heading')}</h2>
      <p className="hint">{t('newInvestigation.lede')}</p>
      <form onSubmit={(e) => void form.onSubmit(e)} noValidate className="task-form">
        <TextField
          label={t('newInvestigation.name')}
          value={name}
          onValue={setName}
          invalid={false}
          problem={problems.of('name')}
          errorId={form.failed ? form.errorId : undefined}
          required
          maxLength={200}
          autoComplete="off"
        />
        <TextField
          label={t('newInvestigation.description')}
          value={description}
          onValue={setDescription}
          invalid={false}
          problem={problems.of('description')}
          autoComplete="off"
        />
        {known.length > 1 ? (
          <OutletChoices
            legend={t('newInvestigation.members')}
            outletIds={known}
            own={me.outletId}
            ownLabel={(outlet) => t('newInvestigation.own', { outlet })}
            chosen={chosen}
            onChange={setChosen}
          />
        ) : (
          outlets.data && <p className="hint">{t('newInvestigation.noKnownOutlets')}</p>
        )}
        <TextField
          label={t('newInvestigation.otherOutlets')}
          hint={t('newInvestigation.otherOutletsHint')}
          value={others}
          onValue={setOthers}
          invalid={false}
          problem={memberProblem}
          autoComplete="off"
          spellCheck={false}
          dir="ltr"
        />
        <div className="form-actions">
          <button type="submit" className="button" disabled={form.submitting} aria-busy={form.submitting}>
            {t('newInvestigation.submit')}
          </button>
        </div>
      </form>
      <FormError error={form.error} problems={problems} id={form.errorId} />
    </details>
  );
}
