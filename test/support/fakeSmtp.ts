import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

/** A local SMTP server (smtp-server) that keeps each message parsed (mailparser). */
/** `starttls`: offers STARTTLS with smtp-server's built-in self-signed certificate. */
export async function startFakeSmtp(opts: { starttls?: boolean } = {}): Promise<{ port: number; messages: ParsedMail[]; close(): Promise<void> }> {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: opts.starttls ? [] : ['STARTTLS'],
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(mail);
          callback();
        })
        .catch(callback);
    },
    logger: false,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return { port, messages, close: () => new Promise((r) => server.close(() => r())) };
}
