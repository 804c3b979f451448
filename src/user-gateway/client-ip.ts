import type { IncomingHttpHeaders } from 'node:http';

/** The client's IP: the first X-Forwarded-For hop when the proxy is trusted, else the peer address. */
export function clientIp(headers: IncomingHttpHeaders, peerAddress: string, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = headers['x-forwarded-for'];
    const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
    if (first) return first.slice(0, 64);
  }
  return peerAddress.replace(/^::ffff:/, '');
}
