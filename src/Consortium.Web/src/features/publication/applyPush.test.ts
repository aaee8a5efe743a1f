import { describe, expect, it } from 'vitest';
import type { PublicationPlan, StoryView, WaveView } from '../../api/publication';
import { applyPush } from './PublicationPlanPage';
import { newerStory } from './StoryPage';

const story = (id: string, sequence: number, title = id, investigationId = 'nightjar') =>
  ({ id, sequence, title, investigationId, waveId: 'w1' }) as StoryView;
const wave = (id: string, sequence: number, name = id) => ({ id, sequence, name, investigationId: 'nightjar' }) as WaveView;
const plan: PublicationPlan = { investigationId: 'nightjar', waves: [wave('w1', 5)], stories: [story('s1', 7)] };

describe('applyPush', () => {
  it('replaces a pushed story or wave in place and adds a new one', () => {
    const changed = applyPush(plan, { kind: 'story', sequence: 9, story: story('s1', 9, 'Renamed'), wave: null, notice: null });
    expect(changed.stories.map((s) => s.title)).toEqual(['Renamed']);
    const added = applyPush(changed, { kind: 'wave', sequence: 10, wave: wave('w2', 10), story: null, notice: null });
    expect(added.waves.map((w) => w.id)).toEqual(['w1', 'w2']);
  });

  it('ignores a push older than what is held, another investigation’s, and notices', () => {
    expect(applyPush(plan, { kind: 'story', sequence: 6, story: story('s1', 6, 'Stale'), wave: null, notice: null })).toBe(plan);
    expect(applyPush(plan, { kind: 'story', sequence: 9, story: story('s9', 9, 'Other', 'kestrel'), wave: null, notice: null })).toBe(plan);
    expect(applyPush(plan, { kind: 'notice', sequence: 0, story: null, wave: null, notice: null })).toBe(plan);
  });
});

describe('newerStory', () => {
  it('takes the pushed story only when it is the one shown and not older', () => {
    const shown = story('s1', 7);
    expect(newerStory(shown, story('s1', 8, 'New')).title).toBe('New');
    expect(newerStory(shown, story('s1', 6, 'Old'))).toBe(shown);
    expect(newerStory(shown, story('s2', 9))).toBe(shown);
  });
});
