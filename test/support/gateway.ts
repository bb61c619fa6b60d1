import { afterAll, beforeAll } from 'vitest';
import { connect, type Socket } from 'node:net';
import { startSl651Gateway } from '../../src/gateway/server.js';
import type { DatasetInput } from '../../src/reference/schema.js';
import { startService, smallDataset, testConfig, type TestService } from '../helpers.js';

/**
 * An SL 651 gateway on a real service for a test file: the small dataset plus the given RTU
 * stations, a gateway on a free port (acks with ESC, echoing the send time), closed after the file.
 * `open()` connects like an RTU and collects what the centre answers.
 */
export function useGateway(stations: NonNullable<DatasetInput['stations']>) {
  const h = {} as { svc: TestService; gw: Awaited<ReturnType<typeof startSl651Gateway>> };
  beforeAll(async () => {
    h.svc = await startService({ config: testConfig() });
    const data = smallDataset();
    data.stations.push(...stations);
    await h.svc.importData(data);
    h.gw = await startSl651Gateway(h.svc.runtime.services, { port: 0, idleTimeoutMs: 5_000, maxFrameBytes: 4112, ackTerminator: 'ESC', echoSendTime: true });
  });
  afterAll(async () => {
    await h.gw?.close();
    await h.svc?.close();
  });
  const open = () =>
    new Promise<{ socket: Socket; received: () => Buffer }>((resolve) => {
      const chunks: Buffer[] = [];
      const socket = connect(h.gw.port, '127.0.0.1', () => resolve({ socket, received: () => Buffer.concat(chunks) }));
      socket.on('data', (c) => chunks.push(c));
    });
  return { h, open };
}
