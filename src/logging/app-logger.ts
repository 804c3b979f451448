import type { LoggerService } from '@nestjs/common';
import { pino, type Level, type Logger as Pino } from 'pino';
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

/** pino JSON lines at LOG_LEVEL (LOG_FORMAT=pretty for people), one `node` field on every line. */
export function createPino(config: AppConfig): Pino {
  return pino({
    level: config.log.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    transport: config.log.format === 'pretty' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
    base: { node: config.nodeId },
  });
}

/** Nest's ExceptionsHandler calls `error(message, stack, context)`; keep the stack as an error. */
const isStackTrace = (value: unknown): value is string => typeof value === 'string' && /\n\s*at /.test(value);

/**
 * Nest's LoggerService over pino. `new Logger(Ctx).warn({ reason }, 'msg')` arrives here as
 * `warn({ reason }, 'msg', 'Ctx')`: the last argument is the context, an object first argument
 * becomes fields of the line, an Error becomes `err`. Disabled levels return before any work.
 */
export class AppLogger implements LoggerService {
  constructor(readonly pino: Pino) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    let rest = params;
    if (rest.length > 0) {
      if (rest[rest.length - 1] !== undefined) fields.context = rest[rest.length - 1];
      rest = rest.slice(0, -1).filter((p) => p !== undefined);
    }
    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields, ...(rest as [string?]));
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level](Object.assign(fields, message), ...(rest as [string?]));
    } else if (level === 'error' && rest.length === 1 && isStackTrace(rest[0])) {
      const err = new Error(String(message));
      err.stack = rest[0];
      fields.err = err;
      this.pino[level](fields);
    } else {
      this.pino[level](fields, String(message), ...rest);
    }
  }
}
