import { BlockList, isIP } from 'node:net';
import type { Context } from 'hono';

/**
 * The address a request came from: the socket's peer. `X-Forwarded-For` is believed only
 * when the peer is one of `service.yaml trustedProxies` (the load balancer in front); then the
 * client is the right-most address in the header that is not itself a trusted proxy. A made-up
 * header from anyone else changes nothing, so it cannot be used to dodge a rate limit.
 */
export class ClientAddresses {
  private readonly trusted = new BlockList();
  private readonly any: boolean;

  constructor(trustedProxies: readonly string[]) {
    for (const entry of trustedProxies) {
      const [ip, bits] = entry.split('/') as [string, string | undefined];
      const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.trusted.addAddress(ip, type);
      else this.trusted.addSubnet(ip, Number(bits), type);
    }
    this.any = trustedProxies.length > 0;
  }

  isTrusted(address: string): boolean {
    if (!this.any) return false;
    const plain = unmapped(address);
    const type = isIP(plain);
    return type !== 0 && this.trusted.check(plain, type === 6 ? 'ipv6' : 'ipv4');
  }

  /** The client's address; `unknown` when no socket is attached (in-process requests). */
  of(c: Context): string {
    const peer = socketAddress(c);
    if (!peer || !this.isTrusted(peer)) return peer ? unmapped(peer) : 'unknown';
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(unmapped(hop)) === 0) return unmapped(peer); // garbage in the header: stop believing it
      if (!this.isTrusted(hop)) return unmapped(hop);
    }
    return unmapped(peer);
  }
}

/** An entry of trustedProxies: an IPv4/IPv6 address or a CIDR block. */
export function isAddressOrBlock(entry: string): boolean {
  const [ip, bits, extra] = entry.split('/');
  if (extra !== undefined || !ip) return false;
  const type = isIP(ip);
  if (type === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n >= 0 && n <= (type === 6 ? 128 : 32);
}

function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function socketAddress(c: Context): string | null {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } }; server?: { incoming?: { socket?: { remoteAddress?: string } } } } | undefined;
  return (env?.server ?? env)?.incoming?.socket?.remoteAddress ?? null;
}
