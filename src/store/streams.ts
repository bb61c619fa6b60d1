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
