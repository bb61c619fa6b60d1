import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { buildReport } from '../src/gateway/frame.js';
import { startSl651Gateway } from '../src/gateway/server.js';
import { PasswordGuard } from '../src/gateway/guard.js';
import { startService, smallDataset, testConfig, waitFor, HOUR, MIN, type TestService } from './helpers.js';

/**
 * SL 651 without silent drops and without guessing: readings refused for the gauge's clock are
 * quarantined and the station is marked; wrong passwords back off and lock out; junk is counted
 * and logged by sample; connections are capped.
 */
let svc: TestService;
let gw: Awaited<ReturnType<typeof startSl651Gateway>>;
let clock = Date.now();
const logLines: string[] = [];
beforeAll(async () => {
  svc = await startService({ config: testConfig(), now: () => clock });
  const data = smallDataset();
  data.stations.push({
    id: 'G1',
    name: '测试RTU',
    kind: 'river',
    townshipId: '341881001',
    sl651Address: '0012345678',
    sl651Password: '1234',
    thresholds: { warning: 1.0 },
  });
  data.stations.push({ id: 'G2', name: '第二RTU', kind: 'river', townshipId: '341881001', sl651Address: '0012345679', sl651Password: 'A1B2' });
  await svc.importData(data);
  const log = pino({ level: 'info' }, new Writable({ write: (chunk, _e, cb) => (logLines.push(...String(chunk).trim().split('\n')), cb()) }));
  gw = await startSl651Gateway(
    { ...svc.runtime.services, log },
    {
      port: 0,
      idleTimeoutMs: 5_000,
      maxFrameBytes: 4112,
      ackTerminator: 'ESC',
      echoSendTime: false,
      maxConnectionsPerPeer: 3,
      password: { freeFailures: 2, lockAfter: 4, lockoutMs: HOUR, windowMs: HOUR },
    },
  );
});
afterAll(async () => {
  await gw.close();
  await svc.close();
});

const open = () =>
  new Promise<{ socket: Socket; received: () => Buffer; closed: () => boolean }>((resolve) => {
    const chunks: Buffer[] = [];
    let closed = false;
    const socket = connect(gw.port, '127.0.0.1', () => resolve({ socket, received: () => Buffer.concat(chunks), closed: () => closed }));
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
  });
let serial = 100;
const report = (station: string, password: string, observedAt: number, z = 0.5) =>
  Buffer.from(buildReport({ centre: 1, station, password, function: '32', serial: serial++, sentAt: observedAt, stationType: '48', observedAt, z }));

describe('readings refused for the gauge clock', () => {
  it('are quarantined with the reason, the station is marked clock off on the API, board and stale-gauge notice, and cleared by a report in time', async () => {
    const { socket, received } = await open();
    socket.write(report('0012345678', '1234', clock + 3 * HOUR, 2.5)); // the RTU's clock runs 3 h ahead
    await waitFor(async () => received().length > 0, 3_000, 'the ack (the report is kept in the quarantine)');
    const quarantine = (await svc.call('GET', '/v1/admin/quarantine?stationId=G1')).body;
    expect(quarantine).toHaveLength(1);
    expect(quarantine[0].reason).toMatch(/in the future.*check the gauge's clock.*SL 651 0012345678/);
    expect(quarantine[0].reading).toMatchObject({ stationId: 'G1', waterLevelM: 2.5 });
    const station = (await svc.call('GET', '/v1/stations/G1')).body;
    expect(station.clockOff).toMatchObject({ since: new Date(clock).toISOString(), reason: expect.stringMatching(/future/) });
    expect(station.latest).toBeNull(); // nothing was taken as a reading
    const page = await svc.runtime.app.request('/board/stations/G1', { headers: { authorization: 'Bearer test-admin-token' } });
    expect(await page.text()).toContain('测站时钟偏差');
    const board = await svc.runtime.app.request('/board', { headers: { authorization: 'Bearer test-admin-token' } });
    expect(await board.text()).toContain('时钟偏差，数据已拒收待核');
    // The stale-gauge check tells the duty room although the gauge keeps sending.
    expect((await svc.runtime.services.scheduled.staleGauges()).offline).toContain('G1');
    const notices = (await svc.call('GET', '/v1/notices?kind=gauge-offline')).body;
    expect(notices.map((n: { title: string }) => n.title)).toContain('【测站时钟偏差】测试RTU');
    // A report in time clears the mark.
    socket.write(report('0012345678', '1234', clock - MIN, 0.6));
    await waitFor(async () => (await svc.call('GET', '/v1/stations/G1')).body.clockOff === null, 3_000, 'the mark cleared');
    socket.destroy();
  });
});

describe('wrong passwords', () => {
  it('back off, then lock out with a notice, and no password is checked meanwhile', async () => {
    const { socket, received } = await open();
    const before = gw.stats();
    for (let i = 0; i < 3; i++) socket.write(report('0012345679', '0000', clock));
    await waitFor(async () => gw.stats().refused - before.refused === 3, 3_000, 'three refusals');
    // Third failure closed the door for a second: even the right password is not looked at.
    socket.write(report('0012345679', 'A1B2', clock));
    await waitFor(async () => gw.stats().throttled - before.throttled === 1, 3_000, 'a throttled frame');
    expect(received().length).toBe(0);
    clock += 2_000;
    socket.write(report('0012345679', '0001', clock)); // fourth failure: locked out for an hour
    await waitFor(async () => gw.stats().refused - before.refused === 4, 3_000, 'the fourth refusal');
    clock += 10 * MIN;
    socket.write(report('0012345679', 'A1B2', clock));
    await waitFor(async () => gw.stats().throttled - before.throttled === 2, 3_000, 'locked out');
    expect(received().length).toBe(0);
    const notices = (await svc.call('GET', '/v1/notices')).body.filter((n: { kind: string }) => n.kind === 'sl651-lockout');
    expect(notices.length).toBeGreaterThanOrEqual(1);
    expect(notices[0].text).toContain('错误口令');
    clock += HOUR; // the lockout ends: the right password is acknowledged again
    socket.write(report('0012345679', 'A1B2', clock - MIN));
    await waitFor(async () => received().length > 0, 3_000, 'an ack after the lockout');
    socket.destroy();
  });

  it("locks a guessing peer and the guessed address, but not the address's own gauge", () => {
    let t = 0;
    const guard = new PasswordGuard({ freeFailures: 2, lockAfter: 4, lockoutMs: HOUR, windowMs: HOUR }, () => t);
    guard.succeeded('10.0.0.1', 'A'); // the real gauge
    const locked = [];
    for (let i = 0; i < 4; i++) {
      locked.push(...guard.failed('203.0.113.9', 'A'));
      t += 60_000;
    }
    expect(locked).toEqual(['peer', 'address']);
    expect(guard.closed('203.0.113.9', 'B')).toMatchObject({ key: 'peer', locked: true });
    expect(guard.closed('198.51.100.4', 'A')).toMatchObject({ key: 'address', locked: true }); // another guesser
    expect(guard.closed('10.0.0.1', 'A')).toBeNull();
    t += HOUR + 1;
    expect(guard.closed('203.0.113.9', 'A')).toBeNull();
  });
});

describe('junk and connection floods', () => {
  it('counts refused bytes and frames and logs them by sample, not one line per frame', async () => {
    const { socket } = await open();
    const linesBefore = logLines.length;
    const before = gw.stats();
    socket.write(Buffer.alloc(100_000, 0x7e));
    await waitFor(async () => gw.stats().badFrames + gw.stats().skippedBytes - before.badFrames - before.skippedBytes > 1_000, 3_000, 'the junk counted');
    await new Promise((r) => setTimeout(r, 100));
    const bytes = logLines.slice(linesBefore).join('\n').length;
    expect(logLines.length - linesBefore).toBeLessThanOrEqual(3);
    expect(bytes).toBeLessThan(2_000);
    const metrics = await (await svc.runtime.app.request('/metrics')).text();
    expect(metrics).toMatch(/fangxun_sl651_total\{outcome="badFrames"\} [1-9]\d{3,}/); // counted, not logged
    socket.destroy();
  });

  it('closes connections over the per-peer cap at once', async () => {
    const conns = [await open(), await open(), await open()];
    const extra = await open();
    await waitFor(async () => extra.closed(), 3_000, 'the fourth connection closed');
    expect(gw.stats().capped).toBeGreaterThanOrEqual(1);
    expect(conns.some((c) => c.closed())).toBe(false);
    for (const c of conns) c.socket.destroy();
  });
});
