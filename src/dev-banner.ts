import { JwtService } from '@nestjs/jwt';
import type { Algorithm } from 'jsonwebtoken';
import type { AppConfig } from './config/app-config.js';

export const DEV_USER_ID = 'dev-user';

/**
 * Development only (no JWT secret configured): one throwaway user token, the internal secret
 * and a curl that pushes an event to that user, printed once to stdout, never to the logs.
 */
export function devBanner(config: AppConfig, port: number): string {
  const jwt = new JwtService({});
  const alg = (config.jwt.algorithms.find((a) => a.startsWith('HS')) ?? 'HS256') as Algorithm;
  const token = jwt.sign(
    { sub: DEV_USER_ID, session_id: 'dev-session', roles: ['admin'] },
    {
      secret: config.jwt.secret,
      algorithm: alg,
      expiresIn: '24h',
      ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
      ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
    },
  );
  const base = `http://localhost:${port}`;
  const body = JSON.stringify({ userId: DEV_USER_ID, event: 'notification:new', payload: { title: 'Hello from the gateway' } });
  return [
    '',
    '  Realtime gateway — development mode (throwaway secrets; set JWT_SECRET to turn this off)',
    `  engine: ${config.engine}   listening: ${base}`,
    '',
    `  user token for "${DEV_USER_ID}" (24 h):`,
    `    ${token}`,
    `  internal secret:`,
    `    ${config.internalSecret ?? '(none: internal routes are off)'}`,
    '',
    '  connect (browser or Node):',
    `    io('${base}', { auth: { token: '<user token>' } }).onAny(console.info)`,
    '  push an event to that user:',
    `    curl -s -X POST ${base}/internal/emit -H 'Authorization: Bearer ${config.internalSecret ?? ''}' -H 'Content-Type: application/json' -d '${body}'`,
    '',
  ].join('\n');
}
