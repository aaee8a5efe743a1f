import { useCallback, useState } from 'react';
import { api } from '../../api/client';
import { publicationApi, type PublicationPlan, type PublicationPush, type StoryView, type WaveView } from '../../api/publication';
import { t, tp } from '../../i18n';
import { ConnectionBanner } from '../../live/ConnectionBanner';
import { InvestigationTabs } from '../../shared/InvestigationTabs';
import { Link, paths } from '../../shared/router';
import { useOutletName } from '../../shared/session';
import { Breadcrumbs, ErrorAlert, investigationTrail, Loading, PageHeading, StatusMessage } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { Countdown, EmbargoInstant, StateBadge } from './Countdown';
import { EmbargoForm } from './EmbargoForm';
import { NewStoryForm } from './NewStoryForm';
import { useLivePublication } from './usePublicationPushes';

/** A pushed story or wave replaces the one held (pushes carry the whole object, in the receiver's zones). */
export function applyPush(plan: PublicationPlan, push: PublicationPush): PublicationPlan {
  if (push.kind === 'story' && push.story && push.story.investigationId === plan.investigationId) {
    const story = push.story;
    const held = plan.stories.find((s) => s.id === story.id);
    if (held && held.sequence > story.sequence) return plan;
    return { ...plan, stories: held ? plan.stories.map((s) => (s.id === story.id ? story : s)) : [...plan.stories, story] };
  }
  if (push.kind === 'wave' && push.wave && push.wave.investigationId === plan.investigationId) {
    const wave = push.wave;
    const held = plan.waves.find((w) => w.id === wave.id);
    if (held && held.sequence > wave.sequence) return plan;
    return { ...plan, waves: held ? plan.waves.map((w) => (w.id === wave.id ? wave : w)) : [...plan.waves, wave] };
  }
  return plan;
}

const byInstant = (a: WaveView, b: WaveView) => a.embargo.utc.localeCompare(b.embargo.utc) || a.name.localeCompare(b.name);

/**
 * The publication plan of one investigation: a column per wave, in embargo order, each with its embargo's state,
 * instant and live countdown, and the stories the caller's outlet takes part in. Coordinators plan waves and stories
 * and move embargoes here; everything changes live.
 */
export function PublicationPlanPage({ id }: { id: string }) {
  const investigation = useResource((signal) => api.investigation(id, signal), [id]);
  const plan = useResource((signal) => publicationApi.plan(id, signal), [id]);
  const [message, setMessage] = useState<string | null>(null);
  const [creating, setCreating] = useState<'wave' | 'story' | null>(null);
  const [moving, setMoving] = useState<string | null>(null);
  const outletName = useOutletName();
  const { update, reload } = plan;
  const live = useLivePublication(
    useCallback((push: PublicationPush) => update((current) => applyPush(current, push)), [update]),
    () => publicationApi.plan(id),
    (fresh) => update(() => fresh),
  );
  const inv = investigation.data;
  const coordinator = inv?.myRole === 'coordinator';
  const title = inv ? t('publication.plan.title', { investigation: inv.name }) : t('publication.plan.heading');

  const waveChanged = (wave: WaveView, text: string) => {
    update((current) => applyPush(current, { kind: 'wave', sequence: wave.sequence, wave, story: null, notice: null }));
    setMessage(text);
  };
  const storyAdded = (story: StoryView) => {
    update((current) => applyPush(current, { kind: 'story', sequence: story.sequence, story, wave: null, notice: null }));
    setCreating(null);
    setMessage(t('publication.plan.storyCreated', { title: story.title }));
  };

  return (
    <>
      <Breadcrumbs
        items={[...investigationTrail(id, inv?.name), { label: t('publication.plan.heading') }]}
      />
      <PageHeading title={title}>{title}</PageHeading>
      <InvestigationTabs id={id} current="plan" myRole={inv?.myRole} />
      <ConnectionBanner status={live.status} catchingUp={live.catchingUp} />
      <StatusMessage message={message} />
      {coordinator && (
        <div className="plan-actions">
          <button type="button" className="button" aria-expanded={creating === 'wave'} onClick={() => setCreating(creating === 'wave' ? null : 'wave')}>
            {t('publication.plan.newWave')}
          </button>
          {(plan.data?.waves.length ?? 0) > 0 && (
            <button type="button" className="button secondary" aria-expanded={creating === 'story'} onClick={() => setCreating(creating === 'story' ? null : 'story')}>
              {t('publication.plan.newStory')}
            </button>
          )}
        </div>
      )}
      {creating === 'wave' && (
        <section className="panel" aria-label={t('publication.plan.newWave')}>
          <EmbargoForm
            mode={{ kind: 'create', investigationId: id }}
            onCancel={() => setCreating(null)}
            onDone={(wave) => {
              setCreating(null);
              waveChanged(wave, t('publication.plan.waveCreated', { name: wave.name }));
            }}
          />
        </section>
      )}
      {creating === 'story' && inv && plan.data && (
        <NewStoryForm investigation={inv} waves={plan.data.waves} onDone={storyAdded} onCancel={() => setCreating(null)} />
      )}
      {plan.loading && <Loading />}
      {plan.error !== undefined && <ErrorAlert error={plan.error} onRetry={reload} />}
      {plan.data && plan.data.waves.length === 0 && <p className="empty">{t('publication.plan.empty')}</p>}
      {plan.data && plan.data.waves.length > 0 && (
        <div className="plan-waves" data-testid="publication-plan">
          {[...plan.data.waves].sort(byInstant).map((wave) => {
            const stories = plan.data!.stories.filter((s) => s.waveId === wave.id).sort((a, b) => a.title.localeCompare(b.title));
            const open = !['lifted', 'lifted-early', 'cancelled'].includes(wave.embargo.state);
            return (
              <section key={wave.id} className="plan-wave" aria-labelledby={`wave-${wave.id}`} data-testid="plan-wave" data-wave-id={wave.id}>
                <header className="plan-wave-head">
                  <h2 id={`wave-${wave.id}`}>{wave.name}</h2>
                  <StateBadge kind="embargo" state={wave.embargo.state} />
                  <p className="plan-wave-instant"><EmbargoInstant embargo={wave.embargo} /></p>
                  <p><Countdown embargo={wave.embargo} /></p>
                  {wave.embargo.pendingMove && <p className="badge badge-warn">{t('publication.plan.pendingMove')}</p>}
                  {coordinator && open && (
                    <div className="plan-wave-actions">
                      {wave.embargo.state === 'draft' && (
                        <button type="button" className="button secondary small"
                          onClick={() => void publicationApi.lockEmbargo(wave.id, wave.version).then(
                            (w) => waveChanged(w, t('publication.plan.locked', { name: w.name })),
                            () => setMessage(t('publication.plan.lockFailed')),
                          )}>
                          {t('publication.plan.lock')}
                        </button>
                      )}
                      <button type="button" className="button secondary small" aria-expanded={moving === wave.id}
                        onClick={() => setMoving(moving === wave.id ? null : wave.id)}>
                        {t('publication.plan.move')}
                      </button>
                    </div>
                  )}
                </header>
                {moving === wave.id && (
                  <EmbargoForm mode={{ kind: 'move', wave }} onCancel={() => setMoving(null)}
                    onDone={(w) => {
                      setMoving(null);
                      waveChanged(w, t('publication.plan.moved', { name: w.name }));
                    }} />
                )}
                <p className="hint">{tp('publication.plan.storyCount', stories.length)}</p>
                <ul className="plan-stories">
                  {stories.map((story) => (
                    <li key={story.id} className="plan-story" data-testid="plan-story" data-story-id={story.id}>
                      <Link to={paths.story(story.id)} className="plan-story-title">{story.title}</Link>
                      <div className="badges">
                        <StateBadge kind="story" state={story.state} />
                        {story.warnings.length > 0 && <span className="badge badge-warn">{tp('publication.warningCount', story.warnings.length)}</span>}
                      </div>
                      <p className="plan-story-outlets">
                        {t('publication.lead', { outlet: outletName(story.leadOutletId) })} · {story.participantOutletIds.map(outletName).join(', ')}
                      </p>
                      <Countdown embargo={story.embargo} />
                    </li>
                  ))}
                </ul>
              </section>
            );
          })}
        </div>
      )}
    </>
  );
}
