import type { Alert } from '../domain/alerts/index.js';
import type { AlertStore } from './store.js';

/**
 * The alerts the CAP Atom feed shows: every open one, and each resolved since `since`
 * (so subscribers see the Cancel that ends it). A township's alerts follow one another,
 * newest first in its index, so its recent ones are read a few at a time until one
 * resolved before `since` turns up.
 */
const PAGE = 5;

export async function feedAlerts(store: AlertStore, townshipIds: readonly string[], since: number): Promise<Alert[]> {
  const out: Alert[] = [];
  await Promise.all(
    // Warnings and the townships' parts of HQ responses: both are CAP messages.
    townshipIds
      .flatMap((tid) => (['warning', 'response'] as const).map((kind) => ({ tid, kind })))
      .map(async ({ tid, kind }) => {
        for (let limit = PAGE; ; limit += PAGE) {
          const ids = await store.list([tid], limit, kind);
          const alerts = await store.getMany(ids.slice(limit - PAGE));
          const shown = alerts.filter((a) => a.status === 'open' || (a.resolvedAt ?? 0) >= since);
          out.push(...shown);
          if (ids.length < limit || shown.length < alerts.length) return;
        }
      }),
  );
  return out.sort((a, b) => b.updatedAt - a.updatedAt);
}
