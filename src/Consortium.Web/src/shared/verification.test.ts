import { describe, expect, it } from 'vitest';
import { nextStates, verificationStates } from './verification';

describe('verification states', () => {
  it('go from unverified to forensics one step at a time', () => {
    expect(nextStates('unverified')).toEqual(['identified']);
    expect(nextStates('identified')).toEqual(['consent-obtained']);
    expect(nextStates('consent-obtained')).toEqual(['forensics-submitted']);
  });

  it('offer every verdict after forensics, then only peer review', () => {
    expect(nextStates('forensics-submitted')).toEqual(['infected', 'attempted', 'inconclusive', 'no-evidence']);
    for (const verdict of ['infected', 'attempted', 'inconclusive', 'no-evidence']) expect(nextStates(verdict)).toEqual(['peer-reviewed']);
  });

  it('end at peer review, and offer nothing for a state this UI does not know', () => {
    expect(nextStates('peer-reviewed')).toEqual([]);
    expect(nextStates('something-newer')).toEqual([]);
  });

  it('only ever lead to a column of the board', () => {
    for (const state of verificationStates) for (const next of nextStates(state)) expect(verificationStates).toContain(next);
  });
});
