import { describe, expect, it } from 'vitest';
import { annotation } from '../../test/annotations';
import { applyInitial, mergeAnnotations, type ThreadState } from './useAnnotationThread';

const empty: ThreadState = { items: [], liveIds: new Set(), loaded: false, error: undefined };
const loaded = (items = [annotation({ id: 'a' })]): ThreadState => applyInitial(empty, items);

describe('the annotation thread', () => {
  it('keeps creation order, not the order changes arrive in', () => {
    const later = annotation({ id: 'b', createdAt: '2026-11-25T18:00:00Z' });
    const earlier = annotation({ id: 'a', createdAt: '2026-11-25T17:00:00Z' });
    const state = mergeAnnotations(empty, [later, earlier], false);
    expect(state.items.map((a) => a.id)).toEqual(['a', 'b']);
  });

  it('never shows one annotation twice when the push and the feed both bring it', () => {
    const note = annotation({ id: 'a', version: 2, text: 'edited' });
    const state = mergeAnnotations(mergeAnnotations(loaded(), [note], true), [note], true);
    expect(state.items).toHaveLength(1);
    expect(state.items[0]?.text).toBe('edited');
  });

  it('never lets an older version replace a newer one that arrived first', () => {
    const newer = annotation({ id: 'a', version: 3, text: 'third' });
    const older = annotation({ id: 'a', version: 2, text: 'second' });
    const state = mergeAnnotations(mergeAnnotations(loaded(), [newer], true), [older], true);
    expect(state.items[0]?.text).toBe('third');
  });

  it('marks what arrives after the first load as new, and nothing before it', () => {
    const pushedEarly = mergeAnnotations(empty, [annotation({ id: 'x' })], true);
    expect(pushedEarly.liveIds.size).toBe(0);

    const state = mergeAnnotations(loaded(), [annotation({ id: 'b', createdAt: '2026-11-26T00:00:00Z' })], true);
    expect([...state.liveIds]).toEqual(['b']);
  });

  it('keeps a change pushed before the first load answered, and marks it new', () => {
    const pushed = mergeAnnotations(empty, [annotation({ id: 'a', version: 2, text: 'edited' }), annotation({ id: 'p' })], true);
    const state = applyInitial(pushed, [annotation({ id: 'a', version: 1, text: 'original' })]);
    expect(state.loaded).toBe(true);
    expect(state.items.map((a) => [a.id, a.text])).toEqual([
      ['a', 'edited'],
      ['p', ''],
    ]);
    expect([...state.liveIds]).toEqual(['p']);
  });
});
