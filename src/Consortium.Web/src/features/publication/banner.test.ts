import { describe, expect, it } from 'vitest';
import type { PublicationNotice } from '../../api/publication';
import { awaitingAcknowledgement } from './EmbargoMovedBanner';

const notice = (id: string, waveId: string, at: string, needsAcknowledgement: boolean): PublicationNotice => ({
  id,
  kind: 'embargo-moved',
  investigationId: 'i',
  waveId,
  storyId: null,
  summary: id,
  at,
  read: false,
  needsAcknowledgement,
});

describe('awaitingAcknowledgement', () => {
  it('keeps one banner per wave, the newest notice, and only what still needs acknowledging', () => {
    const shown = awaitingAcknowledgement([
      notice('old', 'w1', '2027-03-01T10:00:00Z', true),
      notice('reminder', 'w1', '2027-03-02T10:00:00Z', true),
      notice('done', 'w2', '2027-03-01T11:00:00Z', false),
      notice('other', 'w3', '2027-03-01T09:00:00Z', true),
    ]);
    expect(shown.map((n) => n.id)).toEqual(['other', 'reminder']);
  });
});
