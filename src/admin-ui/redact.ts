/** What stands in for a removed value. */
export const REDACTED = '[redacted]';

/** Keys whose values are credentials wherever they appear (handshake headers and query, payloads, socket data). */
const SECRET_KEY = /token|secret|password|passwd|authorization|cookie|servicekey|apikey|api_key|^key$/i;
/** A JWT anywhere in a string: `Bearer eyJ…`, a URL's `?token=eyJ…`, a pasted token in a message. */
const JWT = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g;
/** `token=…` style parameters in URLs and query strings. */
const SECRET_PARAM = /([?&;](?:[\w-]*token|[\w-]*secret|[\w-]*key|password)=)[^&;#\s]*/gi;
const MAX_DEPTH = 8;

/**
 * A copy of `value` without credentials, for the Admin UI (docs/security.md): even in development mode,
 * where it shows sockets and payloads, it never shows a token, key, password or cookie. The
 * original is left untouched (the same objects go on to the handlers). Deeper than MAX_DEPTH,
 * values are cut.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(JWT, REDACTED).replace(SECRET_PARAM, `$1${REDACTED}`);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1);
  return out;
}
