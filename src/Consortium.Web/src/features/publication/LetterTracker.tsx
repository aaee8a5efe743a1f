import { useId, useState } from 'react';
import { publicationApi, type StoryView } from '../../api/publication';
import { t } from '../../i18n';
import { currentTimeZone, localInputToIso } from '../../shared/datetime';
import { TextField, useSubmitForm } from '../../shared/forms';
import { useOutletName } from '../../shared/session';
import { ErrorAlert } from '../../shared/ui';
import { When } from './StoryBoards';

/**
 * The right-of-reply tracker: every letter sent to a subject with its deadline, the response, and the desk's warnings
 * (a deadline after the embargo, or so close before it that the subject could pre-empt the story).
 */
export function LetterTracker({ story, canEdit, onChanged }: { story: StoryView; canEdit: boolean; onChanged: (story: StoryView, message: string) => void }) {
  const outletName = useOutletName();
  const [adding, setAdding] = useState(false);
  return (
    <section className="panel" aria-labelledby="story-letters-heading" data-testid="letters">
      <h2 id="story-letters-heading">{t('publication.letters.heading')}</h2>
      {story.letters.length === 0 ? (
        <p className="hint">{t('publication.letters.none')}</p>
      ) : (
        <div className="desk-scroll">
          <table className="letters-table">
            <thead>
              <tr>
                <th scope="col">{t('publication.letters.recipient')}</th>
                <th scope="col">{t('publication.letters.channel')}</th>
                <th scope="col">{t('publication.letters.sent')}</th>
                <th scope="col">{t('publication.letters.deadline')}</th>
                <th scope="col">{t('publication.letters.response')}</th>
              </tr>
            </thead>
            <tbody>
              {story.letters.map((letter) => (
                <tr key={letter.id} data-testid="letter" data-warned={letter.warnings.length > 0}>
                  <th scope="row">
                    {letter.recipient}
                    <span className="hint"> · {outletName(letter.outletId)} · {t('publication.letters.version', { version: letter.allegationsVersion })}</span>
                  </th>
                  <td>{letter.channel}</td>
                  <td><When iso={letter.sentAt} /></td>
                  <td>
                    <When iso={letter.deadline} />
                    {letter.warnings.map((w) => (
                      <span key={w} className="badge badge-warn letter-warning" role="note">{w}</span>
                    ))}
                  </td>
                  <td>
                    {letter.responseReceivedAt ? (
                      <>
                        <span className="badge badge-ok">{t('publication.letters.answered')}</span> <When iso={letter.responseReceivedAt} />
                        {letter.responseText && <p className="letter-response">{letter.responseText}</p>}
                      </>
                    ) : (
                      <span className="badge badge-muted">{t('publication.letters.awaiting')}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canEdit && !adding && (
        <button type="button" className="button secondary" onClick={() => setAdding(true)}>{t('publication.letters.add')}</button>
      )}
      {canEdit && adding && (
        <NewLetterForm storyId={story.id} onDone={(next) => { setAdding(false); onChanged(next, t('publication.letters.added')); }} onCancel={() => setAdding(false)} />
      )}
    </section>
  );
}

function NewLetterForm({ storyId, onDone, onCancel }: { storyId: string; onDone: (story: StoryView) => void; onCancel: () => void }) {
  const [recipient, setRecipient] = useState('');
  const [channel, setChannel] = useState('email');
  const [version, setVersion] = useState('v1');
  const [sentAt, setSentAt] = useState('');
  const [deadline, setDeadline] = useState('');
  const hintId = useId();
  const form = useSubmitForm(
    async () => {
      onDone(await publicationApi.sendLetter(storyId, {
        recipient: recipient.trim(),
        channel: channel.trim(),
        allegationsVersion: version.trim(),
        sentAt: localInputToIso(sentAt) ?? '',
        deadline: localInputToIso(deadline) ?? '',
      }));
    },
    () => (!recipient.trim() ? t('publication.letters.recipientMissing') : !localInputToIso(sentAt) || !localInputToIso(deadline) ? t('publication.letters.datesMissing') : null),
  );
  return (
    <form className="form-grid" onSubmit={(e) => void form.onSubmit(e)} noValidate data-testid="new-letter-form">
      <TextField label={t('publication.letters.recipient')} value={recipient} onValue={setRecipient} invalid={form.failed} errorId={form.errorId} />
      <TextField label={t('publication.letters.channel')} value={channel} onValue={setChannel} invalid={form.failed} errorId={form.errorId} />
      <TextField label={t('publication.letters.allegations')} value={version} onValue={setVersion} invalid={form.failed} errorId={form.errorId} />
      <TextField label={t('publication.letters.sent')} type="datetime-local" value={sentAt} onValue={setSentAt} invalid={form.failed} errorId={form.errorId} describedBy={[hintId]} />
      <TextField label={t('publication.letters.deadline')} type="datetime-local" value={deadline} onValue={setDeadline} invalid={form.failed} errorId={form.errorId} describedBy={[hintId]} />
      <p className="hint field-wide" id={hintId}>{t('publication.letters.yourZone', { zone: currentTimeZone() })}</p>
      <div className="form-actions field-wide">
        <button type="submit" className="button" disabled={form.submitting}>{t('publication.letters.send')}</button>
        <button type="button" className="button secondary" onClick={onCancel}>{t('publication.form.cancel')}</button>
      </div>
      {form.failed && <div className="field-wide"><ErrorAlert error={form.error} id={form.errorId} /></div>}
    </form>
  );
}
