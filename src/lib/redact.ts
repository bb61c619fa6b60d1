/**
 * Answer links are bearer secrets: whoever holds `/a/<token>` can answer for that person.
 * Every log line goes through here on its way out, so a link never reaches a log file,
 * whichever line carries it (a request path, an error message, a payload).
 */
const LINK = /\/a\/[A-Za-z0-9_.~%-]+/g;

export function redactLinks(text: string): string {
  return text.includes('/a/') ? text.replace(LINK, '/a/[redacted]') : text;
}

/** A pino destination that redacts answer links before writing to `dest`. */
export function redactingDestination(dest: { write(s: string): unknown }): { write(s: string): void } {
  return { write: (s: string) => void dest.write(redactLinks(s)) };
}
