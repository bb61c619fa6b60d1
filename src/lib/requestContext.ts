import { AsyncLocalStorage } from 'node:async_hooks';

/** The request a piece of work belongs to, so every log line of a request carries its id. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/** pino mixin: adds the current request id, when there is one, to each log line. */
export function requestMixin(): Record<string, string> {
  const store = requestContext.getStore();
  return store ? { requestId: store.requestId } : {};
}
