// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, UNAUTHORIZED_EVENT, describeError, fieldErrors, request } from './http';

const answer = (status: number, body?: unknown, type = 'application/json') =>
  vi.fn(async (url: string, init: RequestInit) => {
    answer.last = { url, init };
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': type } });
  });
answer.last = undefined as { url: string; init: RequestInit } | undefined;

afterEach(() => vi.unstubAllGlobals());

describe('request', () => {
  it('sends the query without empty values, the version as If-Match and the body as JSON', async () => {
    vi.stubGlobal('fetch', answer(200, { ok: true }));
    const result = await request<{ ok: boolean }>('/api/things', {
      method: 'POST',
      query: { q: 'nightjar', empty: '', none: null, limit: 10 },
      ifMatch: 4,
      body: { text: 'hi' },
    });
    expect(result).toEqual({ ok: true });
    expect(answer.last?.url).toBe('/api/things?q=nightjar&limit=10');
    expect(answer.last?.init.headers).toMatchObject({ 'If-Match': '"4"', 'Content-Type': 'application/json' });
    expect(answer.last?.init.body).toBe('{"text":"hi"}');
  });

  it('throws the problem details of a refusal, with its message', async () => {
    vi.stubGlobal('fetch', answer(409, { title: 'Conflict', detail: 'Changed meanwhile', current: { version: 5 } }, 'application/problem+json'));
    const error = await request('/api/annotations/a', { method: 'PATCH' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(409);
    expect((error as ApiError).message).toBe('Changed meanwhile');
    expect((error as ApiError).problem.current).toEqual({ version: 5 });
  });

  it('tells the app when the session is gone, unless asked to keep quiet', async () => {
    vi.stubGlobal('fetch', answer(401, { title: 'Unauthorized' }));
    const heard = vi.fn();
    window.addEventListener(UNAUTHORIZED_EVENT, heard);
    await request('/api/me', { quiet401: true }).catch(() => undefined);
    expect(heard).not.toHaveBeenCalled();
    await request('/api/investigations').catch(() => undefined);
    expect(heard).toHaveBeenCalledOnce();
    window.removeEventListener(UNAUTHORIZED_EVENT, heard);
  });

  it('does not take the app page that an unknown path falls back to for an answer', async () => {
    vi.stubGlobal('fetch', answer(200, '<html>', 'text/html'));
    await expect(request('/api/unknown')).rejects.toBeInstanceOf(ApiError);
  });
});

describe('error messages', () => {
  const validation = new ApiError(400, {
    title: 'One or more validation errors occurred.',
    errors: { email: ['Enter an email address.'], role: ['Pick a role.'] },
  });

  it('put the messages of every field after the title', () => {
    expect(describeError(validation)).toEqual({
      title: 'One or more validation errors occurred.',
      detail: 'Enter an email address. Pick a role.',
    });
  });

  it('give the messages of one field', () => {
    expect(fieldErrors(validation, 'email')).toEqual(['Enter an email address.']);
    expect(fieldErrors(validation, 'displayName')).toEqual([]);
    expect(fieldErrors(new Error('other'), 'email')).toEqual([]);
  });
});
