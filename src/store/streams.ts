/** A Redis stream entry's flat [field, value, …] list as an object. */
export function streamFields(fields: readonly string[]): Record<string, string> {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return f;
}

/** A `limit` query parameter clamped to [1, max], with a default. */
export function limitParam(raw: string | undefined, fallback: number, max: number): number {
  return Math.min(Math.max(Number(raw ?? fallback) || fallback, 1), max);
}

/** Appends one refused reading, with why, to the quarantine stream (GET /v1/admin/quarantine). */
export function addQuarantine(
  pipe: { xadd(...args: string[]): unknown },
  key: string,
  q: { stationId: string; receivedAt: number; reason: string; reading: unknown },
): void {
  pipe.xadd(key, 'MAXLEN', '~', '100000', '*', 'stationId', q.stationId, 'receivedAt', new Date(q.receivedAt).toISOString(), 'reason', q.reason, 'reading', JSON.stringify(q.reading));
}
