import { z } from 'zod';

/**
 * Names and free text people type: one line, no control characters (a bare CR or LF would
 * split an .ics line or a log line, a NUL or U+0001 makes CAP XML ill-formed), and a length
 * that fits a screen.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
export const CONTROL_MESSAGE = 'must not contain line breaks or control characters';

export function hasControl(s: string): boolean {
  return CONTROL.test(s);
}

export function plainText(max: number, min?: { length: number; message: string }) {
  let s = z.string().trim();
  if (min) s = s.min(min.length, min.message);
  return s.max(max, `at most ${max} characters`).refine((v) => !hasControl(v), { message: CONTROL_MESSAGE });
}
