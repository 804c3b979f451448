import { JwtService } from '@nestjs/jwt';
import type { Algorithm } from 'jsonwebtoken';
import type { AppConfig } from './config/app-config.js';

export const DEV_USER_ID = 'dev-user';
export const DEV_SESSION_ID = 'dev-session';
/** A chat the dev user belongs to through the token's `chats` claim, so `message:new` works out of the box. */
export const DEV_CHAT_ID = 'demo';

/**
 * A token for the dev user, signed with the generated secret (development only: callers check
 * `config.generatedSecrets`). The banner's and the demo page's tokens are the same kind.
 */
export function devUserToken(config: AppConfig, expiresIn: '24h' | '1h'): string {
  const jwt = new JwtService({});
  const alg = (config.jwt.algorithms.find((a) => a.startsWith('HS')) ?? 'HS256') as Algorithm;
  return jwt.sign(
    { sub: DEV_USER_ID, session_id: DEV_SESSION_ID, roles: ['admin'], chats: [DEV_CHAT_ID] },
    {
      secret: config.jwt.secret,
      algorithm: alg,
      expiresIn,
      ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
      ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
    },
  );
}

/** The curl that pushes a notification to `userId` (the dev user); `secret` stands in the Authorization header. */
export function devPushCurl(base: string, secret: string, userId = DEV_USER_ID): string {
  const body = JSON.stringify({ userId, event: 'notification:new', payload: { title: 'Hello from the gateway' } });
  return `curl -s -X POST ${base}/internal/emit -H 'Authorization: Bearer ${secret}' -H 'Content-Type: application/json' -d '${body}'`;
}

/**
 * Development only (no JWT secret configured): one throwaway user token, the internal secret
 * and a curl that pushes an event to that user, printed once to stdout, never to the logs.
 */
export function devBanner(config: AppConfig, port: number): string {
  const token = devUserToken(config, '24h');
  const base = `http://localhost:${port}`;
  return [
    '',
    '  Realtime gateway — development mode (throwaway secrets; set JWT_SECRET to turn this off)',
    `  engine: ${config.engine}   listening: ${base}`,
    '',
    ...(config.demoPage ? [`  demo page (connects as "${DEV_USER_ID}", shows what it receives):`, `    ${base}/demo`, ''] : []),
    `  user token for "${DEV_USER_ID}" (24 h):`,
    `    ${token}`,
    `  internal secret:`,
    `    ${config.internalSecret ?? '(none: internal routes are off)'}`,
    '',
    '  connect (browser or Node):',
    `    io('${base}', { auth: { token: '<user token>' } }).onAny(console.info)`,
    '  push an event to that user:',
    `    ${devPushCurl(base, config.internalSecret ?? '')}`,
    '',
  ].join('\n');
}
