import { useCallback, useState } from 'react';
import { api } from '../../api/client';
import { publicationApi, type PublicationPush, type StoryView, type WaveView } from '../../api/publication';
import { t } from '../../i18n';
import { ConnectionBanner } from '../../live/ConnectionBanner';
import { paths } from '../../shared/router';
import { useMe, useOutletName } from '../../shared/session';
import { Breadcrumbs, ErrorAlert, investigationTrail, Loading, PageHeading, StatusMessage } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { Countdown, shownZones, StateBadge, ZoneTable } from './Countdown';
import { EmbargoForm } from './EmbargoForm';
import { AcknowledgementList, SignOffBoard, ViewerZone } from './StoryBoards';
import { BreachPanel, MaterialList, PackagePanel } from './StoryMaterial';
import { LetterTracker } from './LetterTracker';
import { useLivePublication } from './usePublicationPushes';

/** A pushed story replaces the one shown unless it is older (a late push after a fresher answer). */
export function newerStory(current: StoryView, pushed: StoryView): StoryView {
  return pushed.id === current.id && pushed.sequence >= current.sequence ? pushed : current;
}

/**
 * One story as its participants see it: the embargo's countdown in their zones and UTC, the sign-off board, who has
 * not acknowledged the embargo's latest move, the right-of-reply letters, the material, breaches and, after the lift,
 * the publication package. Every part changes live.
 */
export function StoryPage({ id }: { id: string }) {
  const story = useResource((signal) => publicationApi.story(id, signal), [id]);
  const investigationId = story.data?.investigationId;
  const investigation = useResource(
    (signal) => (investigationId ? api.investigation(investigationId, signal) : Promise.resolve(undefined)),
    [investigationId],
  );
  const me = useMe();
  const outletName = useOutletName();
  const [message, setMessage] = useState<string | null>(null);
  const [moving, setMoving] = useState<WaveView | null>(null);
  const [openError, setOpenError] = useState<unknown>(undefined);
  const { update, reload } = story;
  const live = useLivePublication(
    useCallback(
      (push: PublicationPush) => {
        if (push.kind === 'story' && push.story) {
          const pushed = push.story;
          update((current) => newerStory(current, pushed));
        }
      },
      [update],
    ),
    () => publicationApi.story(id),
    (fresh) => update(() => fresh),
  );

  if (story.loading) return <Loading />;
  if (story.error !== undefined || !story.data) return <ErrorAlert error={story.error} onRetry={reload} />;
  const s = story.data;
  const role = investigation.data?.myRole;
  const coordinator = role === 'coordinator';
  // Editors and coordinators also acknowledge embargo moves for the outlet; reporters read (the server says 403).
  const canEdit = role === 'editor' || coordinator;
  const canTakePart = !!role && role !== 'read-only';
  const closed = ['lifted', 'lifted-early', 'cancelled'].includes(s.embargo.state);
  const replaced = (next: StoryView, text?: string) => {
    update((current) => newerStory(current, next));
    if (text) setMessage(text);
  };
  const waveChanged = (text: string) => {
    setMessage(text);
    // The story shows its wave's embargo: read it again (its push arrives too).
    void publicationApi.story(id).then((next) => replaced(next), () => undefined);
  };

  return (
    <ViewerZone.Provider value={shownZones(s.embargo.shown)[0]?.zone}>
      <Breadcrumbs
        items={[
          ...investigationTrail(s.investigationId, investigation.data?.name),
          { label: t('publication.plan.heading'), to: paths.publicationPlan(s.investigationId) },
          { label: s.title },
        ]}
      />
      <PageHeading title={s.title}>{s.title}</PageHeading>
      <ConnectionBanner status={live.status} catchingUp={live.catchingUp} />
      <StatusMessage message={message} />
      <div className="story-meta badges">
        <StateBadge kind="story" state={s.state} />
        <StateBadge kind="embargo" state={s.embargo.state} />
        <span>{t('publication.story.inWave', { wave: s.waveName })}</span>
        <span>{t('publication.lead', { outlet: outletName(s.leadOutletId) })}</span>
      </div>
      {s.summary && <p className="story-summary">{s.summary}</p>}
      {s.warnings.length > 0 && (
        <ul className="story-warnings" data-testid="story-warnings">
          {s.warnings.map((w) => <li key={w} className="warning">{w}</li>)}
        </ul>
      )}
      <div className="story-grid">
        <section className="panel story-embargo" aria-labelledby="story-embargo-heading" data-testid="story-embargo">
          <h2 id="story-embargo-heading">{t('publication.story.embargo')}</h2>
          <p className="countdown-big"><Countdown embargo={s.embargo} /></p>
          <ZoneTable embargo={s.embargo} caption={t('publication.story.embargo')} />
          {s.embargo.pendingMove && (
            <p className="warning">{t('publication.story.pendingMove', { name: s.embargo.pendingMove.proposedByName, reason: s.embargo.pendingMove.reason })}</p>
          )}
          {coordinator && !closed && !moving && (
            <button
              type="button"
              className="button secondary"
              data-testid="move-embargo"
              onClick={() => {
                setOpenError(undefined);
                // The move is conditional on the wave's version: read the wave as it stands now.
                publicationApi.wave(s.waveId).then(setMoving, setOpenError);
              }}
            >
              {t('publication.plan.move')}
            </button>
          )}
          {openError !== undefined && <ErrorAlert error={openError} />}
          {moving && (
            <EmbargoForm
              mode={{ kind: 'move', wave: moving }}
              onCancel={() => setMoving(null)}
              onDone={(w) => {
                setMoving(null);
                waveChanged(t('publication.plan.moved', { name: w.name }));
              }}
            />
          )}
        </section>
        <AcknowledgementList story={s} myOutletId={me.outletId} coordinator={coordinator} canTakePart={canEdit} onMessage={setMessage}
          onWave={() => waveChanged(t('publication.ack.done'))} />
      </div>
      <SignOffBoard story={s} myOutletId={me.outletId} canEdit={canEdit && !closed} onChanged={replaced} />
      <LetterTracker story={s} canEdit={canEdit} onChanged={replaced} />
      <div className="story-grid">
        <MaterialList story={s} />
        <PackagePanel story={s} />
      </div>
      <BreachPanel story={s} canReport={canTakePart} onChanged={replaced} />
    </ViewerZone.Provider>
  );
}
