// @vitest-environment happy-dom
import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useResource } from './useResource';

/** A load the test answers by hand, recording the signal each call got. */
function loads() {
  const calls: { key: string; signal: AbortSignal; resolve: (value: string) => void; reject: (error: unknown) => void }[] = [];
  const load = (key: string) => (signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => calls.push({ key, signal, resolve, reject }));
  return { calls, load };
}

describe('useResource', () => {
  it('is loading, then holds the data', async () => {
    const { calls, load } = loads();
    const { result } = renderHook(() => useResource(load('a'), ['a']));
    expect(result.current.loading).toBe(true);
    await act(async () => calls[0]!.resolve('first'));
    expect(result.current).toMatchObject({ loading: false, data: 'first', error: undefined });
  });

  it('aborts the previous load when its deps change, and never shows its late answer', async () => {
    const { calls, load } = loads();
    const { result, rerender } = renderHook(({ key }) => useResource(load(key), [key]), { initialProps: { key: 'a' } });
    rerender({ key: 'b' });
    expect(calls[0]!.signal.aborted).toBe(true);
    await act(async () => {
      calls[1]!.resolve('b-data');
      calls[0]!.resolve('a-data');
    });
    expect(result.current.data).toBe('b-data');
  });

  it('holds the error of a failed load, and loads again on reload', async () => {
    const { calls, load } = loads();
    const { result } = renderHook(() => useResource(load('a'), ['a']));
    await act(async () => calls[0]!.reject(new Error('offline')));
    expect(result.current.error).toBeInstanceOf(Error);

    act(() => result.current.reload());
    await waitFor(() => expect(calls).toHaveLength(2));
    await act(async () => calls[1]!.resolve('back'));
    expect(result.current).toMatchObject({ loading: false, data: 'back', error: undefined });
  });

  it('changes the data in place after a successful write', async () => {
    const { calls, load } = loads();
    const { result } = renderHook(() => useResource(load('a'), ['a']));
    await act(async () => calls[0]!.resolve('draft'));
    act(() => result.current.update((current) => `${current}, saved`));
    expect(result.current).toMatchObject({ loading: false, data: 'draft, saved' });
    expect(calls).toHaveLength(1);
  });
});
