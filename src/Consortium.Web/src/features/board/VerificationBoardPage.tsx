import { useEffect, useMemo, useState, type DragEvent } from 'react';
import { api, ApiError, describeError } from '../../api/client';
import { Link, paths } from '../../shared/router';
import { Breadcrumbs, investigationTrail, ErrorAlert, Loading, PageHeading, StatusMessage } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { ConnectionBanner } from '../../live/ConnectionBanner';
import { t, type MessageKey } from '../../i18n';
import { InvestigationTabs } from '../../shared/InvestigationTabs';
import { useOutletName } from '../../shared/session';
import type { Annotation as BoardAnnotation } from '../../api/types';
import { verificationStates } from '../../shared/verification';
import { useVerificationBoard } from './useVerificationBoard';

export function stateLabel(state: string): string {
  return verificationStates.includes(state as (typeof verificationStates)[number])
    ? t(`board.state.${state}` as MessageKey)
    : state;
}

/** Record ids are UUIDv7: their first digits are a timestamp shared by a whole import, their last ones are random. */
export function recordLabel(recordId: string): string {
  return t('board.record', { id: recordId.slice(-8) });
}

interface Problem {
  cardId: string;
  error: unknown;
  conflict: boolean;
}

/**
 * The verification board of one investigation: a column per state of the state machine, a card per verification
 * the caller may read. Cards move with their buttons (keyboard) or by dragging onto a column; either way the server
 * decides, with If-Match on the version shown, and its refusal (403, 400, 409) is shown as it says it.
 */
export function VerificationBoardPage({ id }: { id: string }) {
  const investigation = useResource((signal) => api.investigation(id, signal), [id]);
  const board = useVerificationBoard(id);
  const outletName = useOutletName();
  const [problem, setProblem] = useState<Problem | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const inv = investigation.data;
  // Someone's move arriving live is announced in the same polite status region as one's own.
  const { liveMove } = board;
  useEffect(() => {
    if (liveMove) setMessage(t('board.liveMoved', { record: recordLabel(liveMove.recordId), state: stateLabel(liveMove.state) }));
  }, [liveMove]);
  const title = inv ? t('board.title', { investigation: inv.name }) : t('board.heading');

  const columns = useMemo(() => {
    const byState = new Map<string, BoardAnnotation[]>(verificationStates.map((s) => [s, []]));
    for (const card of board.cards.values()) {
      if (card.retracted || !card.verification) continue;
      byState.get(card.verification.state)?.push(card);
    }
    for (const list of byState.values()) list.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return byState;
  }, [board.cards]);

  const move = async (card: BoardAnnotation, state: string) => {
    if (busyId) return;
    setBusyId(card.id);
    setProblem(null);
    setMessage(null);
    try {
      const moved = await api.moveVerification(card.id, card.version, { state });
      board.apply(moved);
      setMessage(t('board.moved', { record: recordLabel(card.recordId), state: stateLabel(state) }));
    } catch (error) {
      const conflict = error instanceof ApiError && error.status === 409;
      // A 409 carries the verification as it stands now: show that, so the next try starts from it.
      const current = conflict ? (error.problem.current as BoardAnnotation | undefined) : undefined;
      if (current) board.apply(current);
      setProblem({ cardId: card.id, error, conflict });
    } finally {
      setBusyId(null);
    }
  };

  const onDrop = (event: DragEvent<HTMLElement>, state: string) => {
    event.preventDefault();
    setDropTarget(null);
    const card = board.cards.get(event.dataTransfer.getData('text/plain'));
    if (card?.verification && card.verification.state !== state) void move(card, state);
  };

  const problemCard = problem ? board.cards.get(problem.cardId) : undefined;

  return (
    <>
      <Breadcrumbs
        items={[
          ...investigationTrail(id, inv?.name, '…'),
          { label: t('board.heading') },
        ]}
      />
      {investigation.error !== undefined && <ErrorAlert error={investigation.error} onRetry={investigation.reload} />}
      <PageHeading title={title}>{title}</PageHeading>
      {inv && <InvestigationTabs id={id} current="board" myRole={inv.myRole} />}
      <ConnectionBanner status={board.status} catchingUp={board.catchingUp} />
      <p className="hint" id="board-help">
        {t('board.help')}
      </p>
      {problem && (
        <div className="alert" role="alert" data-testid="board-problem" data-status={problemStatus(problem.error)}>
          <p className="alert-title">
            {t('board.problem', {
              record: problemCard ? recordLabel(problemCard.recordId) : '',
              problem: describeError(problem.error).title,
            })}
          </p>
          {describeError(problem.error).detail && <p className="alert-detail">{describeError(problem.error).detail}</p>}
          {problem.conflict && problemCard?.verification && (
            <p className="alert-detail">{t('board.conflictNow', { state: stateLabel(problemCard.verification.state) })}</p>
          )}
          <button type="button" className="button secondary small" onClick={() => setProblem(null)}>
            {t('common.close')}
          </button>
        </div>
      )}
      <StatusMessage message={message} />
      {!board.loaded && board.error === undefined && <Loading />}
      {board.error !== undefined && <ErrorAlert error={board.error} onRetry={board.retry} />}
      {board.loaded && (
        <div className="board" data-testid="verification-board">
          {verificationStates.map((state) => {
            const cards = columns.get(state) ?? [];
            const headingId = `board-column-${state}`;
            return (
              <section
                key={state}
                className={dropTarget === state ? 'board-column is-drop-target' : 'board-column'}
                aria-labelledby={headingId}
                data-testid="board-column"
                data-state={state}
                onDragOver={(event) => {
                  event.preventDefault();
                  event.dataTransfer.dropEffect = 'move';
                  if (dropTarget !== state) setDropTarget(state);
                }}
                onDragLeave={() => setDropTarget((current) => (current === state ? null : current))}
                onDrop={(event) => onDrop(event, state)}
              >
                <h2 id={headingId} className="board-column-title">
                  {stateLabel(state)} <span className="board-count">{cards.length}</span>
                </h2>
                {cards.length === 0 ? (
                  <p className="hint board-empty">{t('board.emptyColumn')}</p>
                ) : (
                  <ul className="board-cards">
                    {cards.map((card) => (
                      <li key={card.id}>
                        <BoardCard
                          card={card}
                          outletName={outletName(card.outletId)}
                          busy={busyId === card.id}
                          onMove={(to) => void move(card, to)}
                        />
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

function problemStatus(error: unknown): string {
  return error instanceof ApiError ? String(error.status) : '';
}

function BoardCard({
  card,
  outletName,
  busy,
  onMove,
}: {
  card: BoardAnnotation;
  outletName: string;
  busy: boolean;
  onMove: (state: string) => void;
}) {
  const verification = card.verification!;
  const titleId = `card-${card.id}`;
  return (
    <article
      className="board-card"
      aria-labelledby={titleId}
      aria-busy={busy || undefined}
      draggable
      onDragStart={(event) => {
        event.dataTransfer.setData('text/plain', card.id);
        event.dataTransfer.effectAllowed = 'move';
      }}
      data-testid="verification-card"
      data-annotation-id={card.id}
      data-record-id={card.recordId}
      data-state={verification.state}
    >
      <h3 id={titleId} className="board-card-title">
        <Link to={paths.record(card.recordId)}>{recordLabel(card.recordId)}</Link>
      </h3>
      <p className="board-card-meta">
        <span className={`badge badge-${card.visibility}`}>{t(`board.visibility.${card.visibility}` as MessageKey)}</span>{' '}
        {t('board.by', { name: card.authorName, outlet: outletName })}
      </p>
      {(verification.tool || verification.indicatorSetVersion) && (
        <p className="board-card-meta">
          {t('board.tool', { tool: verification.tool ?? '—', version: verification.indicatorSetVersion ?? '—' })}
        </p>
      )}
      {(verification.nextStates ?? []).length > 0 && (
        <div className="board-card-actions" role="group" aria-label={t('board.moveGroup', { record: recordLabel(card.recordId) })}>
          {(verification.nextStates ?? []).map((to) => (
            <button key={to} type="button" className="button secondary small" disabled={busy} onClick={() => onMove(to)}>
              {t('board.moveTo', { state: stateLabel(to) })}
            </button>
          ))}
        </div>
      )}
    </article>
  );
}
