/**
 * The `exp` claim of a JWT in milliseconds, read without verifying anything (the gateway
 * verifies); undefined when the token is not a JWT or carries no numeric `exp`.
 * Uses only `atob`, present in browsers and Node.
 */
export function tokenExpiry(token: string): number | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const binary = atob(base64);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    // Not base64url JSON: treat it as an opaque token that never needs refreshing.
    return undefined;
  }
}

/** Never refresh more often than this, so a getToken() that keeps returning the same token cannot spin. */
export const MIN_REFRESH_DELAY_MS = 1000;

/**
 * When to refresh a token that expires in `remainingMs`: once 80 % of its remaining lifetime has
 * passed (12 minutes before `exp` for a 1-hour token, 0.6 s for a 3-second one), never sooner than
 * MIN_REFRESH_DELAY_MS.
 */
export function refreshDelay(remainingMs: number): number {
  return Math.max(MIN_REFRESH_DELAY_MS, Math.floor(remainingMs * 0.8));
}
