import type { z } from 'zod';

/** A problem found in input, with a readable path: `readings[3].observedAt`. */
export interface InputIssue {
  path: string;
  message: string;
  /** 1-based line in the source file, when the input came from a file. */
  line?: number;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function zodIssues(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): InputIssue[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    let message = issue.message;
    if (issue.code === 'invalid_type' && message.includes('received undefined')) message = 'is required';
    return { path: formatPath(path) || '(root)', message };
  });
}

export function describeIssues(issues: readonly InputIssue[], separator = '; '): string {
  return issues.map((i) => `${i.path}${i.line ? ` (line ${i.line})` : ''}: ${i.message}`).join(separator);
}
