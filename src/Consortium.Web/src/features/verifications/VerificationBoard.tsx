import { useEffect } from 'react';
import { api } from '../../api/client';
import { verificationStates, type Annotation } from '../../api/types';
import { Link, paths } from '../../app/router';
import { Breadcrumbs, ErrorAlert, Loading, PageHeading } from '../../app/ui';
import { useResource } from '../../app/useResource';
import { formatDateTime, t } from '../../i18n';
import { useHubEvent, useLive } from '../../live/LiveConnection';
import { InvestigationTabs } from '../members/InvestigationTabs';
import { useOutletName } from '../session/session';
import { VisibilityBadge } from '../records/AnnotationItem';

/** Columns by verification state; follows the investigation's annotations live over the hub. */
export function VerificationBoard({ id }: { id: string }) {
  const investigation = useResource((signal) => api.investigation(id, signal), [id]);
  const board = useResource((signal) => api.verifications(id, signal), [id]);
  const { connection, status, epoch } = useLive();
  const outletName = useOutletName();

  useEffect(() => {
    if (!connection || status !== 'connected') return;
    connection.invoke('JoinInvestigationAnnotations', id).catch(() => undefined);
    // After a reconnect, pushes may have been missed: re-read the board.
    if (epoch > 0) board.reload();
    return () => {
      connection.invoke('LeaveInvestigationAnnotations', id).catch(() => undefined);
    };
  }, [connection, status, epoch, id]);

  const apply = (annotation: Annotation) => {
    if (!annotation || annotation.kind !== 'verification' || annotation.investigationId !== id) return;
    board.update((items) => {
      const held = items.find((a) => a.id === annotation.id);
      if (held && held.version >= annotation.version) return items;
      const rest = items.filter((a) => a.id !== annotation.id);
      return annotation.retracted ? rest : [...rest, annotation];
    });
  };
  useHubEvent<[Annotation]>('annotationAdded', apply);
  useHubEvent<[Annotation]>('annotationChanged', apply);

  const inv = investigation.data;
  return (
    <>
      <Breadcrumbs
        items={[
          { label: t('nav.investigations'), to: paths.home() },
          { label: inv?.name ?? t('app.loading'), to: paths.investigation(id) },
          { label: t('verifications.title') },
        ]}
      />
      <PageHeading title={t('verifications.title')}>{t('verifications.title')}</PageHeading>
      <InvestigationTabs id={id} current="verifications" myRole={inv?.myRole} />
      <p className="lede">{t('verifications.lede')}</p>
      {board.loading && <Loading />}
      {board.error !== undefined && <ErrorAlert error={board.error} onRetry={board.reload} />}
      {board.data && (
        <div className="board" data-testid="verification-board">
          {verificationStates.map((state) => {
            const cards = board.data!.filter((v) => v.verification?.state === state);
            return (
              <section key={state} className="board-column" aria-labelledby={`col-${state}`} data-state={state}>
                <h2 id={`col-${state}`}>
                  {state} <span className="badge">{cards.length}</span>
                </h2>
                {cards.length === 0 ? (
                  <p className="hint">{t('verifications.empty')}</p>
                ) : (
                  <ul>
                    {cards.map((v) => (
                      <li key={v.id} className="board-card" data-testid="verification-card">
                        <p>
                          {v.authorName} · {outletName(v.outletId)} <VisibilityBadge visibility={v.visibility} sharedWith={v.sharedWithOutletIds} />
                        </p>
                        <p className="hint">{formatDateTime(v.updatedAt ?? v.createdAt)}</p>
                        <Link to={paths.record(v.recordId)}>{t('verifications.open')}</Link>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            );
          })}
        </div>
      )}
    </>
  );
}
