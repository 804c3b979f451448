import { JwtService } from '@nestjs/jwt';
import type { Algorithm } from 'jsonwebtoken';
import type { AppConfig } from './config/app-config.js';

export const DEV_USER_ID = 'dev-user';
export const DEV_SESSION_ID = 'dev-session';
/** A chat the dev user belongs to through the token's `chats` claim, so `message:new` works out of the box. */
export const DEV_CHAT_ID = 'demo';

/** Stands in the curl wherever the internal secret was configured rather than generated. */
export const SECRET_PLACEHOLDER = '$INTERNAL_SECRET';

/**
 * A token for the dev user, signed with the generated secret (development only: callers check
 * `config.generatedSecrets`). The banner's token (printed to the operator's console) carries the
 * admin role; the demo page's (GET /demo/token) carries none.
 */
export function devUserToken(config: AppConfig, expiresIn: '24h' | '1h', roles: string[]): string {
  const jwt = new JwtService({});
  const alg = (config.jwt.algorithms.find((a) => a.startsWith('HS')) ?? 'HS256') as Algorithm;
  return jwt.sign(
    { sub: DEV_USER_ID, session_id: DEV_SESSION_ID, roles, chats: [DEV_CHAT_ID] },
    {
      secret: config.jwt.secret,
      algorithm: alg,
      expiresIn,
      ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
      ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
    },
  );
}

/**
 * The curl that pushes a notification to `userId` (the dev user). `secret` is the generated
 * internal secret, or SECRET_PLACEHOLDER (quoted so that the shell expands it) when the secret
 * was configured: a configured secret is never shown (docs/security.md).
 */
export function devPushCurl(base: string, secret: string, userId = DEV_USER_ID): string {
  const body = JSON.stringify({ userId, event: 'notification:new', payload: { title: 'Hello from the gateway' } });
  const auth = secret === SECRET_PLACEHOLDER ? `"Authorization: Bearer ${secret}"` : `'Authorization: Bearer ${secret}'`;
  return `curl -s -X POST ${base}/internal/emit -H ${auth} -H 'Content-Type: application/json' -d '${body}'`;
}

/** The internal secret as the banner and the demo page may show it: only a generated one, never a configured one. */
export function shownInternalSecret(config: AppConfig): string | undefined {
  if (!config.internalSecret) return undefined;
  return config.generatedInternalSecret ? config.internalSecret : SECRET_PLACEHOLDER;
}

/**
 * Development only (no JWT secret configured): one throwaway user token, the generated internal
 * secret and a curl that pushes an event to that user, printed once to stdout, never to the logs.
 * A configured internal secret (INTERNAL_SECRET, AUTH_TOKEN or SECRET_KEY) is named, not shown.
 */
export function devBanner(config: AppConfig, port: number): string {
  const token = devUserToken(config, '24h', ['admin']);
  const base = `http://localhost:${port}`;
  const secret = shownInternalSecret(config);
  return [
    '',
    '  Realtime gateway — development mode (throwaway secrets; set JWT_SECRET to turn this off)',
    `  engine: ${config.engine}   listening: ${base}`,
    '',
    ...(config.demoPage ? [`  demo page (connects as "${DEV_USER_ID}", shows what it receives):`, `    ${base}/demo`, ''] : []),
    `  user token for "${DEV_USER_ID}" (24 h):`,
    `    ${token}`,
    `  internal secret:`,
    `    ${secret === SECRET_PLACEHOLDER ? '(configured, not shown: the value of INTERNAL_SECRET, AUTH_TOKEN or SECRET_KEY)' : (secret ?? '(none: internal routes are off)')}`,
    '',
    '  connect (browser or Node):',
    `    io('${base}', { auth: { token: '<user token>' } }).onAny(console.info)`,
    '  push an event to that user:',
    `    ${devPushCurl(base, secret ?? '')}`,
    '',
  ].join('\n');
}
