import { useId, useRef, useState, type FormEvent } from 'react';
import type { AuditFilter } from '../../api/types';
import { ErrorAlert } from '../../shared/ui';
import { Field } from '../../shared/forms';
import { t } from '../../i18n';
import { currentTimeZone, localInputToIso, toLocalInputValue } from '../../shared/datetime';
import { actionGroups, actionLabel } from './actions';

/** A person the actor filter offers: a member, or someone who acted here and is no longer listed. */
export interface ActorChoice {
  userId: string;
  label: string;
}

interface Draft {
  action: string;
  actor: string;
  from: string;
  to: string;
}

function draftOf(filter: AuditFilter): Draft {
  const local = (iso: string | undefined) => (iso ? toLocalInputValue(new Date(iso)) : '');
  return { action: filter.action ?? '', actor: filter.actor ?? '', from: local(filter.from), to: local(filter.to) };
}

interface Props {
  applied: AuditFilter;
  actors: readonly ActorChoice[];
  busy: boolean;
  onApply: (filter: AuditFilter) => void;
}

/**
 * The audit listing's filters: action, person, and a time range entered in the user's time zone and sent as UTC
 * instants (From inclusive, Until exclusive, as the server reads them). Applied with the submit button, not on every
 * change: a datetime-local input changes once per typed digit.
 */
export function AuditFilters({ applied, actors, busy, onApply }: Props) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(applied));
  const [error, setError] = useState<{ message: string; field: 'from' | 'to' } | null>(null);
  const fromRef = useRef<HTMLInputElement>(null);
  const toRef = useRef<HTMLInputElement>(null);
  const headingId = useId();
  const hintId = useId();
  const errorId = useId();

  const set = (field: keyof Draft) => (value: string) => setDraft((d) => ({ ...d, [field]: value }));

  const instant = (value: string, input: HTMLInputElement | null): string | null | undefined => {
    // A half-typed date reads as "" but is not empty: the browser flags it as bad input.
    if (input?.validity.badInput) return null;
    if (!value) return undefined;
    return localInputToIso(value);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const from = instant(draft.from, fromRef.current);
    const to = instant(draft.to, toRef.current);
    if (from === null || to === null) {
      setError({ message: t('audit.filters.invalidDate'), field: from === null ? 'from' : 'to' });
      (from === null ? fromRef : toRef).current?.focus();
      return;
    }
    if (from && to && Date.parse(from) >= Date.parse(to)) {
      setError({ message: t('audit.filters.rangeReversed'), field: 'to' });
      toRef.current?.focus();
      return;
    }
    setError(null);
    const filter: AuditFilter = {};
    if (draft.action) filter.action = draft.action;
    if (draft.actor) filter.actor = draft.actor;
    if (from) filter.from = from;
    if (to) filter.to = to;
    onApply(filter);
  };

  const clear = () => {
    setDraft({ action: '', actor: '', from: '', to: '' });
    setError(null);
    onApply({});
  };

  const describedBy = (field: 'from' | 'to') => [hintId, error?.field === field ? errorId : ''].filter(Boolean).join(' ');
  const knownActor = draft.actor === '' || actors.some((a) => a.userId === draft.actor);

  return (
    <section aria-labelledby={headingId} className="panel form-panel audit-filters">
      <h2 id={headingId}>{t('audit.filters.heading')}</h2>
      <form role="search" aria-labelledby={headingId} onSubmit={onSubmit} noValidate className="form-grid" data-testid="audit-filters">
        <Field label={t('audit.filters.action')}>
          {(id) => (
            <select id={id} className="input select" value={draft.action} onChange={(e) => set('action')(e.target.value)}>
              <option value="">{t('audit.filters.actionAll')}</option>
              {actionGroups.map((group) => (
                <optgroup key={group.label} label={t(group.label)}>
                  {group.actions.map((action) => (
                    <option key={action} value={action}>
                      {actionLabel(action)}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('audit.filters.actor')}>
          {(id) => (
            <select id={id} className="input select" value={draft.actor} onChange={(e) => set('actor')(e.target.value)}>
              <option value="">{t('audit.filters.actorAll')}</option>
              {actors.map((actor) => (
                <option key={actor.userId} value={actor.userId}>
                  {actor.label}
                </option>
              ))}
              {/* A person named in the address but not (yet) known here still shows as chosen. */}
              {!knownActor && <option value={draft.actor}>{draft.actor}</option>}
            </select>
          )}
        </Field>
        {(['from', 'to'] as const).map((field) => (
          <Field key={field} label={t(field === 'from' ? 'audit.filters.from' : 'audit.filters.to')}>
            {(id) => (
              <input
                ref={field === 'from' ? fromRef : toRef}
                id={id}
                className="input"
                type="datetime-local"
                value={draft[field]}
                onChange={(e) => set(field)(e.target.value)}
                aria-describedby={describedBy(field)}
                aria-invalid={error?.field === field ? true : undefined}
              />
            )}
          </Field>
        ))}
        <div className="form-actions audit-filter-actions">
          <button type="submit" className="button" aria-busy={busy}>
            {t('audit.filters.apply')}
          </button>
          <button type="button" className="button secondary" onClick={clear}>
            {t('audit.filters.clear')}
          </button>
        </div>
      </form>
      <p id={hintId} className="hint">
        {t('audit.filters.timeHint', { zone: currentTimeZone() })}
      </p>
      {error && <ErrorAlert error={new Error(error.message)} id={errorId} />}
    </section>
  );
}
