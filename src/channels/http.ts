import type { DeliveryResult } from './types.js';

/**
 * One HTTP request with a timeout, turned into a DeliveryResult: 2xx ok; 408, 429 and 5xx,
 * network errors and timeouts retryable; other 4xx not (retrying cannot fix them).
 */
export type FetchLike = typeof fetch;

export async function postOnce(
  fetchImpl: FetchLike,
  provider: string,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
  timeoutMs: number,
  signal: AbortSignal | undefined,
  check: (status: number, body: string) => { ok: true; id?: string } | { ok: false; error: string; retryable: boolean } = (status) =>
    status >= 200 && status < 300 ? { ok: true } : { ok: false, error: `HTTP ${status}`, retryable: status === 408 || status === 429 || status >= 500 },
): Promise<DeliveryResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetchImpl(url, {
      method: init.method ?? 'POST',
      headers: init.headers,
      body: init.body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await res.text();
    const verdict = check(res.status, text);
    if (verdict.ok) return { ok: true, provider, providerMessageId: verdict.id, retryable: false };
    // A bare HTTP status says little: add the start of the provider's answer.
    const detail = verdict.error.startsWith('HTTP ') && text ? `: ${text.slice(0, 200)}` : '';
    return { ok: false, provider, error: `${verdict.error}${detail}`, retryable: verdict.retryable };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const timedOut = timeout.aborted || e.name === 'TimeoutError';
    return { ok: false, provider, error: timedOut ? `timed out after ${timeoutMs} ms` : `network error: ${e.cause?.code ?? e.message}`, retryable: true };
  }
}

/** Parses a JSON reply; null when it is not JSON. */
export function json<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/**
 * How WeCom and DingTalk robots answer: HTTP 200 with `{ errcode, errmsg }`, errcode 0 when taken. Other
 * statuses retry on 429/5xx; an errcode retries when it is one of `retryable` (rate limit, busy).
 */
export function errcodeReply(retryable: readonly number[]) {
  return (status: number, text: string): { ok: true } | { ok: false; error: string; retryable: boolean } => {
    if (status !== 200) return { ok: false, error: `HTTP ${status}`, retryable: status === 429 || status >= 500 };
    const reply = json<{ errcode?: number; errmsg?: string }>(text);
    if (reply?.errcode === 0) return { ok: true };
    return {
      ok: false,
      error: `errcode ${reply?.errcode ?? '?'} ${reply?.errmsg ?? ''}`.trim(),
      retryable: reply?.errcode !== undefined && retryable.includes(reply.errcode),
    };
  };
}
