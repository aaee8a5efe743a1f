import { useState } from 'react';
import { api } from '../../api/client';
import { columnKinds, type ColumnKind, type Investigation } from '../../api/types';
import { FieldError, FormError, useFieldProblems } from '../../shared/FormErrors';
import { OutletChoices } from '../../shared/OutletChoices';
import { Field, TextField, useSubmitForm } from '../../shared/forms';
import { paths, useRouter } from '../../shared/router';
import { useMe } from '../../shared/session';
import { t, type MessageKey } from '../../i18n';

const fields = ['name', 'description', 'sharedWithOutletIds', 'schema'] as const;

interface Column {
  key: number;
  name: string;
  kind: ColumnKind;
}

/**
 * Adds a dataset (coordinators and editors; the server checks the role again): name, who sees it (every member outlet
 * or a compartment), and optionally its columns with their kinds. Then the dataset's own page imports the file.
 */
export function NewDatasetForm({ investigation }: { investigation: Investigation }) {
  const me = useMe();
  const { navigate } = useRouter();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [compartment, setCompartment] = useState<'all' | 'some'>('all');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [columns, setColumns] = useState<Column[]>([
    { key: 1, name: 'phone', kind: 'phone' },
    { key: 2, name: 'country', kind: 'country' },
  ]);
  const [nextKey, setNextKey] = useState(3);

  const form = useSubmitForm(async () => {
    const created = await api.createDataset(investigation.id, {
      name: name.trim(),
      description: description.trim(),
      sharedWithOutletIds: compartment === 'all' ? null : [...chosen],
      schema: columns.length > 0 ? columns.map((c) => ({ name: c.name.trim(), kind: c.kind })) : null,
    });
    navigate(paths.dataset(created.id));
  });
  const problems = useFieldProblems(form.error, fields);
  const schemaProblem = problems.of('schema');
  const compartmentProblem = problems.of('sharedWithOutletIds');

  const change = (key: number, patch: Partial<Column>) =>
    setColumns((current) => current.map((c) => (c.key === key ? { ...c, ...patch } : c)));

  return (
    <details className="task-panel panel" data-testid="new-dataset">
      <summary className="task-summary">{t('newDataset.show')}</summary>
      <h3 className="task-heading">{t('newDataset.heading')}</h3>
      <p className="hint">{t('newDataset.lede')}</p>
      <form onSubmit={(e) => void form.onSubmit(e)} noValidate className="task-form">
        <TextField
          label={t('newDataset.name')}
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
          label={t('newDataset.description')}
          value={description}
          onValue={setDescription}
          invalid={false}
          problem={problems.of('description')}
          autoComplete="off"
        />
        <fieldset className="fieldset">
          <legend className="field-label">{t('newDataset.compartment')}</legend>
          <label className="choice">
            <input type="radio" name="new-dataset-compartment" checked={compartment === 'all'} onChange={() => setCompartment('all')} />
            {t('newDataset.compartmentAll')}
          </label>
          <label className="choice">
            <input type="radio" name="new-dataset-compartment" checked={compartment === 'some'} onChange={() => setCompartment('some')} />
            {t('newDataset.compartmentSome')}
          </label>
        </fieldset>
        {compartment === 'some' && (
          <OutletChoices
            legend={t('newDataset.compartmentOutlets')}
            outletIds={investigation.memberOutletIds}
            own={me.outletId}
            ownLabel={(outlet) => t('newDataset.own', { outlet })}
            chosen={chosen}
            onChange={setChosen}
            problem={compartmentProblem}
            testId="new-dataset-compartment"
          />
        )}
        {compartment === 'all' && <FieldError problem={compartmentProblem} />}
        <fieldset className="fieldset schema-editor" aria-describedby={schemaProblem.errorId} data-testid="schema-editor">
          <legend className="field-label">{t('newDataset.schema')}</legend>
          <p className="hint">{t('newDataset.schemaHint')}</p>
          {columns.length === 0 && <p className="hint">{t('newDataset.noColumns')}</p>}
          <ol className="schema-columns">
            {columns.map((column, index) => (
              <li key={column.key} className="schema-column">
                <Field label={t('newDataset.columnName', { number: index + 1 })} className="field schema-name">
                  {(id) => (
                    <input
                      id={id}
                      className="input"
                      value={column.name}
                      onChange={(e) => change(column.key, { name: e.target.value })}
                      aria-invalid={schemaProblem.invalid ? true : undefined}
                      aria-describedby={schemaProblem.errorId}
                      autoComplete="off"
                      spellCheck={false}
                    />
                  )}
                </Field>
                <Field label={t('newDataset.columnKind', { number: index + 1 })} className="field schema-kind">
                  {(id) => (
                    <select
                      id={id}
                      className="input"
                      value={column.kind}
                      onChange={(e) => change(column.key, { kind: e.target.value as ColumnKind })}
                    >
                      {columnKinds.map((kind) => (
                        <option key={kind} value={kind}>
                          {t(`columnKind.${kind}` as MessageKey)}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <button
                  type="button"
                  className="button secondary small schema-remove"
                  onClick={() => setColumns((current) => current.filter((c) => c.key !== column.key))}
                >
                  {t('newDataset.removeColumn', { number: index + 1 })}
                </button>
              </li>
            ))}
          </ol>
          <FieldError problem={schemaProblem} />
          <button
            type="button"
            className="button secondary small"
            onClick={() => {
              setColumns((current) => [...current, { key: nextKey, name: '', kind: 'text' }]);
              setNextKey((k) => k + 1);
            }}
          >
            {t('newDataset.addColumn')}
          </button>
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="button" disabled={form.submitting} aria-busy={form.submitting}>
            {t('newDataset.submit')}
          </button>
        </div>
      </form>
      <FormError error={form.error} problems={problems} id={form.errorId} />
    </details>
  );
}
