// @vitest-environment happy-dom
import { renderHook } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useShortcuts } from './useShortcuts';

const press = (key: string, init: KeyboardEventInit = {}, target: EventTarget = document.body) => {
  const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
};

afterEach(() => {
  document.body.innerHTML = '';
});

describe('useShortcuts', () => {
  it('runs the handler of a single key and keeps the browser from acting on it', () => {
    const next = vi.fn();
    renderHook(() => useShortcuts({ j: next }));
    const event = press('j');
    expect(next).toHaveBeenCalledOnce();
    expect(event.defaultPrevented).toBe(true);
  });

  it('leaves keys alone while the user types in a field or holds a modifier', () => {
    const next = vi.fn();
    renderHook(() => useShortcuts({ j: next }));
    const input = document.body.appendChild(document.createElement('input'));
    press('j', {}, input);
    press('j', { ctrlKey: true });
    expect(next).not.toHaveBeenCalled();
  });

  it('uses the newest handlers without listening twice, and stops when unmounted', () => {
    const first = vi.fn();
    const second = vi.fn();
    const { rerender, unmount } = renderHook(({ handler }) => useShortcuts({ n: handler }), { initialProps: { handler: first } });
    rerender({ handler: second });
    press('n');
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledOnce();
    unmount();
    press('n');
    expect(second).toHaveBeenCalledOnce();
  });
});
