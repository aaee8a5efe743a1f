import { useId, useState } from 'react';
import { publicationApi, type StoryView, type WaveView } from '../../api/publication';
import type { Investigation } from '../../api/types';
import { t } from '../../i18n';
import { FormPanel, TextField, useSubmitForm } from '../../shared/forms';
import { useMe, useOutletName } from '../../shared/session';

/** A coordinator's new story: title, summary, wave, lead outlet and the member outlets taking part. */
export function NewStoryForm({
  investigation,
  waves,
  onDone,
  onCancel,
}: {
  investigation: Investigation;
  waves: WaveView[];
  onDone: (story: StoryView) => void;
  onCancel: () => void;
}) {
  const me = useMe();
  const outletName = useOutletName();
  const [title, setTitle] = useState('');
  const [summary, setSummary] = useState('');
  const [waveId, setWaveId] = useState(waves[0]?.id ?? '');
  const [lead, setLead] = useState(me.outletId);
  const [participants, setParticipants] = useState<string[]>([me.outletId]);
  const ids = { wave: useId(), lead: useId(), summary: useId() };
  const form = useSubmitForm(
    async () => onDone(await publicationApi.createStory(investigation.id, {
      waveId,
      title: title.trim(),
      summary: summary.trim(),
      leadOutletId: lead,
      participantOutletIds: participants,
    })),
    () => (title.trim() ? null : t('publication.story.titleMissing')),
  );
  const toggle = (outlet: string, on: boolean) =>
    setParticipants((list) => (on ? [...list, outlet] : list.filter((o) => o !== outlet)));

  return (
    <FormPanel heading={t('publication.plan.newStory')} testId="new-story-form" submitLabel={t('publication.story.create')} form={form}>
      <TextField label={t('publication.story.title')} value={title} onValue={setTitle} invalid={form.failed} errorId={form.errorId} required />
      <div className="field">
        <label htmlFor={ids.wave} className="field-label">{t('publication.story.wave')}</label>
        <select id={ids.wave} className="input" value={waveId} onChange={(e) => setWaveId(e.target.value)}>
          {waves.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.lead} className="field-label">{t('publication.story.leadOutlet')}</label>
        <select id={ids.lead} className="input" value={lead} onChange={(e) => setLead(e.target.value)}>
          {investigation.memberOutletIds.map((o) => <option key={o} value={o}>{outletName(o)}</option>)}
        </select>
      </div>
      <div className="field field-wide">
        <label htmlFor={ids.summary} className="field-label">{t('publication.story.summary')}</label>
        <textarea id={ids.summary} className="input" rows={2} value={summary} onChange={(e) => setSummary(e.target.value)} />
      </div>
      <fieldset className="field field-wide checkbox-group">
        <legend className="field-label">{t('publication.story.participants')}</legend>
        {investigation.memberOutletIds.map((o) => (
          <label key={o} className="checkbox">
            <input type="checkbox" checked={participants.includes(o) || o === lead} disabled={o === lead}
              onChange={(e) => toggle(o, e.target.checked)} />
            {outletName(o)}
          </label>
        ))}
      </fieldset>
      <button type="button" className="button secondary" onClick={onCancel}>{t('publication.form.cancel')}</button>
    </FormPanel>
  );
}
