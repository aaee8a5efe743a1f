import { describe, expect, it } from 'vitest';
import { annotation } from '../../test/annotations';
import { applyAnnotations, type BoardState } from './useVerificationBoard';

const empty: BoardState = { cards: new Map(), loaded: true, error: undefined };
const verification = (id: string, version: number, state: string) =>
  annotation({ id, version, kind: 'verification', verification: { state } });

describe('the verification board', () => {
  it('shows verifications only, not notes or tags', () => {
    const state = applyAnnotations(empty, [verification('v', 1, 'identified'), annotation({ id: 'n', kind: 'note' })]);
    expect([...state.cards.keys()]).toEqual(['v']);
  });

  it('moves a card to the newest state however the changes arrive', () => {
    const state = applyAnnotations(empty, [verification('v', 3, 'forensics-submitted'), verification('v', 2, 'consent-obtained')]);
    expect(state.cards.get('v')?.verification?.state).toBe('forensics-submitted');
  });

  it('returns the same state when nothing changes, so nothing renders again', () => {
    const state = applyAnnotations(empty, [verification('v', 2, 'identified')]);
    expect(applyAnnotations(state, [verification('v', 2, 'identified')])).toBe(state);
    expect(applyAnnotations(state, [])).toBe(state);
  });
});
