/** The parts of a Socket.IO handshake a token may come from (docs/protocol.md §2.1). */
export interface HandshakeLike {
  auth?: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
}

/** First match wins: `auth.token`, then `Authorization: Bearer`, then `?token=` when allowed. */
export function extractToken(handshake: HandshakeLike, allowQueryToken: boolean): string | undefined {
  const fromAuth = handshake.auth?.token;
  if (typeof fromAuth === 'string' && fromAuth.length > 0) return stripBearer(fromAuth);
  const header = handshake.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m) return m[1];
  }
  const fromQuery = handshake.query.token;
  if (allowQueryToken && typeof fromQuery === 'string' && fromQuery.length > 0) return fromQuery;
  return undefined;
}

function stripBearer(value: string): string {
  return value.replace(/^Bearer\s+/i, '');
}
