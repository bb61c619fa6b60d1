import { Bounded } from '../lib/bounded.js';

/**
 * Defences of the SL 651 gateway, pure and in this process's memory (one gateway process
 * serves the gauges; its memory is bounded like the HTTP buckets).
 *
 * PasswordGuard: a gauge password is 4 hex digits (65,536 values), so wrong passwords are
 * throttled per peer (remote IP) and per station address: the first few are free, then each
 * one closes the door for a doubling backoff, and after `lockAfter` failures within the window
 * the peer or address is locked out for `lockout`. While a door is closed no password is even
 * checked, so guessing learns nothing. An address's last good peer (the real gauge) is not
 * shut out by failures for its address coming from elsewhere.
 */
export interface GuardOptions {
  freeFailures: number;
  lockAfter: number;
  lockoutMs: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
  maxEntries?: number;
}

interface Door {
  failures: number;
  last: number;
  until: number;
}

export type Closed = { key: 'peer' | 'address'; until: number; locked: boolean };

export class PasswordGuard {
  private readonly doors: Bounded<Door>;
  private readonly goodPeer: Bounded<string>;

  constructor(
    private readonly opts: GuardOptions,
    private readonly now: () => number,
  ) {
    this.doors = new Bounded(opts.maxEntries ?? 10_000);
    this.goodPeer = new Bounded(opts.maxEntries ?? 10_000);
  }

  /** Why frames from `peer` for `address` are not looked at now, or null. */
  closed(peer: string, address: string): Closed | null {
    const now = this.now();
    const p = this.doors.get(`p:${peer}`);
    if (p && p.until > now) return { key: 'peer', until: p.until, locked: p.failures >= this.opts.lockAfter };
    const a = this.doors.get(`a:${address}`);
    if (a && a.until > now && this.goodPeer.get(address) !== peer) return { key: 'address', until: a.until, locked: a.failures >= this.opts.lockAfter };
    return null;
  }

  /** Records a wrong password; returns what was locked out by this failure (for a notice). */
  failed(peer: string, address: string): Array<'peer' | 'address'> {
    const locked: Array<'peer' | 'address'> = [];
    for (const [kind, key] of [
      ['peer', `p:${peer}`],
      ['address', `a:${address}`],
    ] as const) {
      if (this.fail(key)) locked.push(kind);
    }
    return locked;
  }

  succeeded(peer: string, address: string): void {
    this.doors.delete(`p:${peer}`);
    this.goodPeer.set(address, peer);
  }

  private fail(key: string): boolean {
    const now = this.now();
    const d = this.doors.get(key);
    const door = d && now - d.last < this.opts.windowMs ? d : { failures: 0, last: now, until: 0 };
    door.failures++;
    door.last = now;
    const over = door.failures - this.opts.freeFailures;
    if (door.failures >= this.opts.lockAfter) door.until = now + this.opts.lockoutMs;
    else if (over > 0) door.until = now + Math.min(2 ** (over - 1) * 1_000, this.opts.lockoutMs);
    this.doors.set(key, door);
    return door.failures === this.opts.lockAfter;
  }
}
