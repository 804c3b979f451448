import type { IncomingHttpHeaders } from 'node:http';

const MAX_IP_LENGTH = 64;

/**
 * The client's IP (docs/protocol.md §1 TRUST_PROXY). With `trustedHops` = N proxies in front of the gateway,
 * the last N `X-Forwarded-For` entries were appended by them, so the client is the Nth address
 * from the right end; anything further left was written by the client and is never used. With
 * fewer entries than proxies the leftmost one stands (it was still appended by a proxy).
 */
export function clientIp(headers: IncomingHttpHeaders, peerAddress: string, trustedHops: number): string {
  const peer = peerAddress.replace(/^::ffff:/, '');
  if (trustedHops <= 0) return peer;
  const header = headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop.length > 0);
  if (hops.length === 0) return peer;
  return hops[Math.max(hops.length - trustedHops, 0)].slice(0, MAX_IP_LENGTH);
}
