// biome-ignore-all lint/suspicious/noExplicitAny: the parsed XML of a feed is untyped until read field by field below
import { randomUUID } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { CapParseError } from './cap.js';

/**
 * Polling of a publisher's Atom or RSS feed of CAP messages (policy.yaml `warnings.feed`,
 * off by default). Each entry not seen before is fetched (its link, or CAP embedded in the
 * entry) and handed to the same path as POST /v1/warnings. An entry is remembered once it was
 * taken or found unusable (a CAP parse error will not get better); a network failure leaves
 * it for the next poll. Entries are remembered 30 days (a sorted set, one key).
 */
export interface FeedDeps {
  redis: Redis;
  /** Sorted set of the entries taken (member: entry id, score: when). */
  seenKey: string;
  url: string;
  receive: (body: string) => Promise<unknown>;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
  now: () => number;
  log: Logger;
}

export interface FeedEntry {
  id: string;
  /** Absolute URL of the CAP message, when the entry links to it. */
  link: string | null;
  /** CAP XML embedded in the entry, when it carries it. */
  cap: string | null;
}

const KEEP_MS = 30 * 86_400_000;
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The entries of an Atom feed or RSS channel, newest as given. Pure. */
export function feedEntries(xml: string, base: string): FeedEntry[] {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new Error('DOCTYPE and entity declarations are not accepted in a feed');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`feed is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, parseTagValue: false, stopNodes: ['*.content'] }).parse(
    xml,
  ) as Record<string, any>;
  const abs = (href: unknown) => (typeof href === 'string' && href.trim() ? new URL(href.trim(), base).toString() : null);
  if (doc.feed) {
    return asArray(doc.feed.entry).map((e: any) => {
      const links = asArray(e.link) as any[];
      const cap = links.find((l) => /cap\+xml|xml/i.test(l?.['@type'] ?? '')) ?? links.find((l) => (l?.['@rel'] ?? 'alternate') === 'alternate') ?? links[0];
      const content = typeof e.content === 'object' ? e.content['#text'] : e.content;
      const embedded = typeof content === 'string' && /<(\w+:)?alert[\s>]/.test(content) ? content.trim() : null;
      const link = abs(cap?.['@href']);
      return { id: String(e.id ?? link ?? ''), link, cap: embedded };
    });
  }
  if (doc.rss?.channel) {
    return asArray(doc.rss.channel.item).map((i: any) => {
      const link = abs(typeof i.link === 'string' ? i.link : i.enclosure?.['@url']);
      const guid = typeof i.guid === 'object' ? i.guid['#text'] : i.guid;
      return { id: String(guid ?? link ?? ''), link, cap: null };
    });
  }
  throw new Error('neither an Atom <feed> nor an RSS <rss><channel>');
}

const RELEASE_IF_HELD = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

export class WarningFeed {
  constructor(private readonly d: FeedDeps) {}

  /**
   * One poll at a time across every worker: polls are scheduled every few minutes, but a slow publisher
   * or a busy machine can make one outlast the interval, and two polls at once would take an entry twice.
   * A poll that finds another running skips (`busy`); the lease outlives any poll (fetch timeouts).
   */
  async poll(): Promise<{ entries: number; taken: number; refused: number; failed: number } | { busy: true }> {
    const lock = `${this.d.seenKey}:poll`;
    const token = randomUUID();
    if ((await this.d.redis.set(lock, token, 'PX', 10 * (this.d.timeoutMs ?? 10_000), 'NX')) !== 'OK') return { busy: true };
    try {
      return await this.pollOnce();
    } finally {
      // Released only by its holder, in one step (a lease that ran out may belong to the next poll by now).
      await this.d.redis.eval(RELEASE_IF_HELD, 1, lock, token);
    }
  }

  private async pollOnce(): Promise<{ entries: number; taken: number; refused: number; failed: number }> {
    const { redis, seenKey, log } = this.d;
    const entries = feedEntries(await this.get(this.d.url), this.d.url).filter((e) => e.id && (e.link || e.cap));
    let taken = 0;
    let refused = 0;
    let failed = 0;
    for (const e of entries) {
      if ((await redis.zscore(seenKey, e.id)) !== null) continue;
      try {
        await this.d.receive(e.cap ?? (await this.get(e.link!)));
        taken++;
      } catch (err) {
        if (!(err instanceof CapParseError)) {
          failed++;
          log.warn({ err, entry: e.id }, 'outside warning feed: entry not taken; retried at the next poll');
          continue;
        }
        refused++;
        log.warn({ entry: e.id, error: err.message }, 'outside warning feed: entry is not usable CAP; skipped');
      }
      await redis.zadd(seenKey, this.d.now(), e.id);
    }
    await redis.zremrangebyscore(seenKey, '-inf', this.d.now() - KEEP_MS);
    return { entries: entries.length, taken, refused, failed };
  }

  private async get(url: string): Promise<string> {
    const res = await (this.d.fetchImpl ?? fetch)(url, {
      signal: AbortSignal.timeout(this.d.timeoutMs ?? 10_000),
      headers: { accept: 'application/atom+xml, application/rss+xml, application/cap+xml, application/xml' },
    });
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    return res.text();
  }
}
