import { useCallback, useRef, useState } from 'react';
import { api, isAbort } from '../../api/client';
import type { Dataset, Investigation, LeakRecord } from '../../api/types';
import { paths, useRouter } from '../../shared/router';
import { Breadcrumbs, investigationTrail, DataTable, ErrorAlert, Kbd, Loading, PageHeading } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { useShortcuts } from '../../shared/useShortcuts';
import { ConnectionBanner } from '../../live/ConnectionBanner';
import { t } from '../../i18n';
import { ValueText } from '../../shared/ValueText';
import { useMe } from '../../shared/session';
import { AnnotationForm } from './AnnotationForm';
import { AnnotationThread } from './AnnotationThread';
import { PresenceList } from './PresenceList';
import { useAnnotationThread } from './useAnnotationThread';
import { RecentViewers } from './RecentViewers';
import { findNextRecord, findPreviousRecord } from './recordNavigation';
import { FollowButton } from './FollowButton';
import { RestrictionPanel } from './RestrictionPanel';
import { AnnotationSettingContext, canAnnotate, useAnnotationSetting, type AnnotationSetting } from './annotationContext';

const digits = (value: string) => value.replace(/\D+/g, '');

/**
 * The normalised form of one column's value, when the server derived one from it: the phone number in E.164 (the
 * column whose digits end the number's national digits), the country code, the date as yyyy-MM-dd.
 */
function normalisedOf(record: LeakRecord, key: string): string | undefined {
  const value = record.values[key];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const raw = digits(value).replace(/^0+/, '');
  if (record.phoneE164 && raw.length >= 6 && digits(record.phoneE164).endsWith(raw.slice(-6))) return record.phoneE164;
  if (record.country && /country/i.test(key)) return record.country;
  if (record.date && /date/i.test(key)) return record.date;
  return undefined;
}

/** A record: its values on one side, the live annotation thread on the other. */
export function RecordPage({ id }: { id: string }) {
  const record = useResource((signal) => api.record(id, signal), [id]);
  const datasetId = record.data?.datasetId;
  const dataset = useResource(
    (signal) => (datasetId ? api.dataset(datasetId, signal) : Promise.resolve(undefined)),
    [datasetId],
  );
  const investigationId = dataset.data?.investigationId;
  const investigation = useResource(
    (signal) => (investigationId ? api.investigation(investigationId, signal) : Promise.resolve(undefined)),
    [investigationId],
  );
  const members = useResource(
    (signal) => (investigationId ? api.members(investigationId, signal) : Promise.resolve(undefined)),
    [investigationId],
  );
  const rec = record.data;
  const title = rec ? t('record.title', { row: rec.rowNumber }) : t('app.loading');

  return (
    <>
      <Breadcrumbs
        items={[
          ...investigationTrail(investigationId, investigation.data?.name, '…'),
          ...(datasetId ? [{ label: dataset.data?.name ?? '…', to: paths.dataset(datasetId) }] : []),
          { label: title },
        ]}
      />
      {record.loading && <Loading />}
      {record.error !== undefined && <ErrorAlert error={record.error} onRetry={record.reload} />}
      {rec && (
        <AnnotationSettingContext.Provider value={setting(investigationId, investigation.data, members.data)}>
          <RecordView record={rec} dataset={dataset.data} memberOutletIds={investigation.data?.memberOutletIds ?? []} />
        </AnnotationSettingContext.Provider>
      )}
    </>
  );
}

function setting(investigationId: string | undefined, investigation: Investigation | undefined, members: AnnotationSetting['members'] | undefined): AnnotationSetting {
  return { investigationId, role: investigation?.myRole, members: members ?? [] };
}

function RecordView({ record, dataset, memberOutletIds }: { record: LeakRecord; dataset: Dataset | undefined; memberOutletIds: string[] }) {
  const { navigate } = useRouter();
  const me = useMe();
  const thread = useAnnotationThread(record.id, me.user, dataset?.investigationId);
  const { role } = useAnnotationSetting();
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const [navMessage, setNavMessage] = useState<string>('');
  const [navError, setNavError] = useState<unknown>(undefined);
  const navBusy = useRef(false);

  const go = useCallback(
    async (direction: 'next' | 'previous') => {
      if (navBusy.current) return;
      navBusy.current = true;
      setNavMessage('');
      setNavError(undefined);
      try {
        const target = direction === 'next' ? await findNextRecord(record) : await findPreviousRecord(record);
        if (target) navigate(paths.record(target.id));
        else setNavMessage(direction === 'next' ? t('record.noNext') : t('record.noPrevious'));
      } catch (error) {
        if (!isAbort(error)) setNavError(error);
      } finally {
        navBusy.current = false;
      }
    },
    [navigate, record],
  );

  useShortcuts({
    j: () => void go('next'),
    k: () => void go('previous'),
    n: () => textareaRef.current?.focus(),
  });

  // Dataset columns first, in the dataset's order, then anything else the record carries.
  const columns = dataset?.columns ?? [];
  const keys = [...columns, ...Object.keys(record.values).filter((k) => !columns.includes(k))];

  return (
    <>
      <PageHeading title={t('record.title', { row: record.rowNumber })}>
        {t('record.title', { row: record.rowNumber })}
      </PageHeading>
      <ConnectionBanner status={thread.status} catchingUp={thread.catchingUp} />
      <div className="record-toolbar">
        <button type="button" className="button secondary" onClick={() => void go('previous')}>
          {t('record.previous')} <Kbd>k</Kbd>
        </button>
        <button type="button" className="button secondary" onClick={() => void go('next')}>
          {t('record.next')} <Kbd>j</Kbd>
        </button>
        <p className="hint" id="record-shortcuts">
          {t('record.shortcuts')}
        </p>
        <p className="hint" role="status">
          {navMessage}
        </p>
        <FollowButton recordId={record.id} />
      </div>
      {navError !== undefined && <ErrorAlert error={navError} />}

      <div className="record-layout">
        <section className="panel record-values" aria-labelledby="values-heading">
          <h2 id="values-heading">{t('record.valuesHeading')}</h2>
          {dataset && <p className="hint">{t('record.inDataset', { dataset: dataset.name })}</p>}
          <DataTable
            className="values-table"
            testId="record-values"
            columns={[
              { label: t('record.field'), className: 'values-col-field' },
              { label: t('record.original'), className: 'values-col-original' },
              { label: t('record.normalised'), className: 'values-col-normalised' },
            ]}
          >
              {keys.map((key) => (
                <tr key={key} data-testid="record-value-row">
                  <th scope="row">{key}</th>
                  <td>
                    <ValueText value={record.values[key]} />
                  </td>
                  <td className="derived">
                    {normalisedOf(record, key) !== undefined && <ValueText value={normalisedOf(record, key)} />}
                  </td>
                </tr>
              ))}
          </DataTable>
          <RecentViewers recordId={record.id} />
          <RestrictionPanel recordId={record.id} memberOutletIds={memberOutletIds} canRestrict={role === 'coordinator'} />
        </section>

        <section className="panel record-thread" aria-labelledby="annotations-heading">
          <h2 id="annotations-heading">{t('annotations.heading')}</h2>
          <PresenceList viewers={thread.presence} />
          <AnnotationThread
            items={thread.items}
            liveIds={thread.liveIds}
            loaded={thread.loaded}
            error={thread.error}
            onRetry={thread.reload}
            currentUser={me.user}
            onChanged={thread.addOwn}
            onReply={async (parent, text) => thread.addOwn(await api.addAnnotation(record.id, { kind: 'comment', text, visibility: parent.visibility, parentId: parent.id }))}
            onTyping={thread.startTyping}
          />
          {thread.typing.map((typing) => (
            <p key={typing.userId} className="hint" aria-live="polite">
              {t('presence.typing', { name: typing.displayName })}
            </p>
          ))}
          {canAnnotate(role) ? (
            <AnnotationForm
              recordId={record.id}
              onPosted={thread.addOwn}
              textareaRef={textareaRef}
              partnerOutletIds={memberOutletIds.filter((o) => o !== me.outletId)}
            />
          ) : (
            <p className="hint">{t('form.readOnly')}</p>
          )}
        </section>
      </div>
    </>
  );
}
