import { createContext, useContext, useState } from 'react';
import { publicationApi, signOffSteps, type StoryView, type WaveView } from '../../api/publication';
import { t, tp, type MessageKey } from '../../i18n';
import { formatDateTime, formatUtc } from '../../shared/datetime';
import { useOutletName } from '../../shared/session';
import { ErrorAlert } from '../../shared/ui';

/** The zone the desk shows the caller's times in (the server's `you` zone); undefined: the browser's. */
export const ViewerZone = createContext<string | undefined>(undefined);

/** A time of the desk in the caller's zone, the UTC instant on hover. */
function When({ iso }: { iso: string }) {
  const zone = useContext(ViewerZone);
  return (
    <time dateTime={iso} title={t('publication.utcTitle', { utc: formatUtc(iso) })}>
      {formatDateTime(iso, zone)}
    </time>
  );
}

/**
 * Which participating outlets acknowledged the embargo's latest move. The caller's outlet acknowledges here; the
 * coordinator reminds those who have not. Outlets are listed only once the embargo has moved.
 */
export function AcknowledgementList({
  story,
  myOutletId,
  coordinator,
  canTakePart,
  onMessage,
  onWave,
}: {
  story: StoryView;
  myOutletId: string;
  coordinator: boolean;
  canTakePart: boolean;
  onMessage: (message: string) => void;
  onWave: (wave: WaveView) => void;
}) {
  const outletName = useOutletName();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const pending = story.acknowledgements.filter((a) => !a.acknowledged);
  const mine = story.acknowledgements.find((a) => a.outletId === myOutletId);
  const act = async (action: () => Promise<WaveView>, done: string) => {
    setBusy(true);
    setError(undefined);
    try {
      onWave(await action());
      onMessage(done);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="story-acks-heading" data-testid="acknowledgements">
      <h2 id="story-acks-heading">{t('publication.ack.heading')}</h2>
      {story.acknowledgements.length === 0 ? (
        <p className="hint">{t('publication.ack.none')}</p>
      ) : (
        <>
          <p>{pending.length === 0 ? t('publication.ack.all') : tp('publication.ack.pending', pending.length)}</p>
          <ul className="ack-list">
            {story.acknowledgements.map((a) => (
              <li key={a.outletId} data-testid="acknowledgement" data-outlet-id={a.outletId} data-acknowledged={a.acknowledged}>
                <span className="ack-outlet">{outletName(a.outletId)}</span>{' '}
                {a.acknowledged ? (
                  <span className="badge badge-ok">
                    {t('publication.ack.by', { name: a.byName ?? '' })} {a.at && <When iso={a.at} />}
                  </span>
                ) : (
                  <span className="badge badge-warn">{t('publication.ack.notYet')}</span>
                )}
                {!a.acknowledged && a.remindedAt && (
                  <span className="hint"> {t('publication.ack.reminded')} <When iso={a.remindedAt} /></span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="form-actions">
        {mine && !mine.acknowledged && canTakePart && (
          <button type="button" className="button" disabled={busy} data-testid="story-acknowledge"
            onClick={() => void act(() => publicationApi.acknowledge(story.waveId), t('publication.ack.done'))}>
            {t('publication.ack.action')}
          </button>
        )}
        {coordinator && pending.length > 0 && (
          <button type="button" className="button secondary" disabled={busy} data-testid="remind"
            onClick={() => void act(() => publicationApi.remind(story.waveId), t('publication.ack.remindedAll'))}>
            {t('publication.ack.remind')}
          </button>
        )}
      </div>
      {error !== undefined && <ErrorAlert error={error} />}
    </section>
  );
}

/**
 * The sign-off board: a row per participating outlet, a column per named step. The caller's outlet's editors and
 * coordinators sign a step off or withdraw it until the lift; everyone else's cells only show who did it when.
 */
export function SignOffBoard({
  story,
  myOutletId,
  canEdit,
  onChanged,
}: {
  story: StoryView;
  myOutletId: string;
  canEdit: boolean;
  onChanged: (story: StoryView, message: string) => void;
}) {
  const outletName = useOutletName();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState<string | null>(null);
  const cell = (outlet: string, step: string) => story.signOffs.find((s) => s.outletId === outlet && s.step === step);
  const change = async (step: string, done: boolean) => {
    setBusy(step);
    setError(undefined);
    try {
      const next = await publicationApi.signOff(story.id, step, done);
      const label = t(`publication.step.${step}` as MessageKey);
      onChanged(next, done ? t('publication.signOff.signed', { step: label }) : t('publication.signOff.withdrawn', { step: label }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <section className="panel" aria-labelledby="story-signoffs-heading" data-testid="sign-off-board">
      <h2 id="story-signoffs-heading">{t('publication.signOff.heading')}</h2>
      <div className="desk-scroll">
        <table className="signoff-table">
          <thead>
            <tr>
              <th scope="col">{t('publication.signOff.outlet')}</th>
              {signOffSteps.map((step) => <th key={step} scope="col">{t(`publication.step.${step}` as MessageKey)}</th>)}
            </tr>
          </thead>
          <tbody>
            {story.participantOutletIds.map((outlet) => (
              <tr key={outlet} data-outlet-id={outlet}>
                <th scope="row">{outletName(outlet)}</th>
                {signOffSteps.map((step) => {
                  const s = cell(outlet, step);
                  const label = t(`publication.step.${step}` as MessageKey);
                  return (
                    <td key={step} data-step={step} data-done={s?.done === true}>
                      {s?.done ? (
                        <span className="badge badge-ok">{t('publication.signOff.doneBy', { name: s.byName ?? '' })}</span>
                      ) : (
                        <span className="badge badge-muted">{t('publication.signOff.open')}</span>
                      )}
                      {s?.done && s.at && <span className="signoff-at"> <When iso={s.at} /></span>}
                      {outlet === myOutletId && canEdit && (
                        <button type="button" className="button secondary small" disabled={busy !== null}
                          aria-label={s?.done ? t('publication.signOff.withdrawStep', { step: label }) : t('publication.signOff.signStep', { step: label })}
                          onClick={() => void change(step, !s?.done)}>
                          {s?.done ? t('publication.signOff.withdraw') : t('publication.signOff.sign')}
                        </button>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {story.signOffDeadline && (
        <p className="hint">{t('publication.signOff.deadline')} <When iso={story.signOffDeadline} /></p>
      )}
      {error !== undefined && <ErrorAlert error={error} />}
    </section>
  );
}

export { When };
