import type { IncomingMessage } from 'node:http';
import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';

/**
 * Paths that could carry a credential or an encrypted field if anything ever logs them;
 * censored at the serializer so a careless log call cannot leak them.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.token',
  '*.secret',
  '*.serviceKey',
  '*.key',
  '*.password',
  '*.internalSecret',
  '*.secretKey',
  '*.secretIv',
  '*.payload',
  '*.userIds',
];

/** pino JSON lines at LOG_LEVEL (LOG_FORMAT=pretty for people). Request URLs lose their query string (`?token=`). */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.log.level,
            redact: { paths: REDACT_PATHS, censor: '[redacted]' },
            transport: config.log.format === 'pretty' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
            base: { node: config.nodeId },
            autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)/.test(req.url ?? '') },
            serializers: {
              req: (req: { id?: unknown; method?: string; url?: string }) => ({
                id: req.id,
                method: req.method,
                url: (req.url ?? '').split('?')[0],
              }),
            },
          },
        }),
      ],
    };
  }
}
