import { useState } from 'react';
import { publicationApi, type StoryView } from '../../api/publication';
import { t } from '../../i18n';
import { currentTimeZone, localInputToIso } from '../../shared/datetime';
import { TextField, useSubmitForm } from '../../shared/forms';
import { Link, paths } from '../../shared/router';
import { useOutletName } from '../../shared/session';
import { ErrorAlert } from '../../shared/ui';
import { When } from './StoryBoards';

/** What the story relies on: records (linked), annotations and evidence files by their SHA-256. */
export function MaterialList({ story }: { story: StoryView }) {
  const records = story.material.recordIds ?? [];
  const annotations = story.material.annotationIds ?? [];
  const evidence = story.material.evidenceSha256 ?? [];
  const empty = records.length + annotations.length + evidence.length === 0;
  return (
    <section className="panel" aria-labelledby="story-material-heading" data-testid="material">
      <h2 id="story-material-heading">{t('publication.material.heading')}</h2>
      {empty && <p className="hint">{t('publication.material.none')}</p>}
      {records.length > 0 && (
        <>
          <h3>{t('publication.material.records')}</h3>
          <ul className="material-list">
            {records.map((r) => <li key={r}><Link to={paths.record(r)}><code>{r}</code></Link></li>)}
          </ul>
        </>
      )}
      {annotations.length > 0 && (
        <>
          <h3>{t('publication.material.annotations')}</h3>
          <ul className="material-list">{annotations.map((a) => <li key={a}><code>{a}</code></li>)}</ul>
        </>
      )}
      {evidence.length > 0 && (
        <>
          <h3>{t('publication.material.evidence')}</h3>
          <ul className="material-list">{evidence.map((e) => <li key={e}><code className="hash">{e}</code></li>)}</ul>
        </>
      )}
    </section>
  );
}

/** The publication package: downloadable once the embargo is lifted (the server refuses it before, naming the instant). */
export function PackagePanel({ story }: { story: StoryView }) {
  const lifted = story.embargo.state === 'lifted' || story.embargo.state === 'lifted-early';
  return (
    <section className="panel" aria-labelledby="story-package-heading" data-testid="package">
      <h2 id="story-package-heading">{t('publication.package.heading')}</h2>
      {lifted ? (
        <ul className="package-links">
          <li><a className="button secondary" href={publicationApi.packageUrl(story.id, 'csv')} download>{t('publication.package.csv')}</a></li>
          <li><a className="button secondary" href={publicationApi.packageUrl(story.id, 'jsonl')} download>{t('publication.package.jsonl')}</a></li>
          <li><a className="button secondary" href={publicationApi.packageUrl(story.id, 'jsonld')} download>{t('publication.package.jsonld')}</a></li>
        </ul>
      ) : (
        <p className="hint">{t('publication.package.locked')}</p>
      )}
    </section>
  );
}

/** Breaches reported so far, and the form to report one (link and when it was seen); the coordinator is told at once. */
export function BreachPanel({ story, canReport, onChanged }: { story: StoryView; canReport: boolean; onChanged: (story: StoryView, message: string) => void }) {
  const outletName = useOutletName();
  const [link, setLink] = useState('');
  const [seenAt, setSeenAt] = useState('');
  const [open, setOpen] = useState(false);
  const form = useSubmitForm(
    async () => {
      const next = await publicationApi.reportBreach(story.id, link.trim(), localInputToIso(seenAt) ?? '');
      setOpen(false);
      setLink('');
      setSeenAt('');
      onChanged(next, t('publication.breach.reported'));
    },
    () => (!link.trim() || !localInputToIso(seenAt) ? t('publication.breach.missing') : null),
  );
  return (
    <section className="panel" aria-labelledby="story-breach-heading" data-testid="breaches">
      <h2 id="story-breach-heading">{t('publication.breach.heading')}</h2>
      {story.breaches.length === 0 ? (
        <p className="hint">{t('publication.breach.none')}</p>
      ) : (
        <ul className="breach-list">
          {story.breaches.map((b) => (
            <li key={b.id}>
              <span className="badge badge-danger">{t('publication.breach.badge')}</span>{' '}
              <a href={b.link} rel="noreferrer noopener" target="_blank">{b.link}</a>{' '}
              {t('publication.breach.by', { name: b.byName, outlet: outletName(b.outletId) })} <When iso={b.seenAt} />
            </li>
          ))}
        </ul>
      )}
      {canReport && !open && (
        <button type="button" className="button secondary" onClick={() => setOpen(true)}>{t('publication.breach.report')}</button>
      )}
      {canReport && open && (
        <form className="form-grid" onSubmit={(e) => void form.onSubmit(e)} noValidate data-testid="breach-form">
          <TextField label={t('publication.breach.link')} type="url" value={link} onValue={setLink} invalid={form.failed} errorId={form.errorId} />
          <TextField label={t('publication.breach.seenAt')} type="datetime-local" value={seenAt} onValue={setSeenAt} invalid={form.failed} errorId={form.errorId}
            hint={t('publication.letters.yourZone', { zone: currentTimeZone() })} />
          <div className="form-actions field-wide">
            <button type="submit" className="button" disabled={form.submitting}>{t('publication.breach.send')}</button>
            <button type="button" className="button secondary" onClick={() => setOpen(false)}>{t('publication.form.cancel')}</button>
          </div>
          {form.failed && <div className="field-wide"><ErrorAlert error={form.error} id={form.errorId} /></div>}
        </form>
      )}
    </section>
  );
}
