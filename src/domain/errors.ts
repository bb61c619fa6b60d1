/**
 * The one error type below HTTP: a machine code, a message a person can act on, and optional details.
 * Services and the domain throw it (or a subclass naming where it comes from); HTTP maps the code to a
 * status in one table (src/http/errors.ts) and answers in the one error shape.
 */
export class AppError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly details: unknown = undefined,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
