import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Level, type Logger as Pino } from 'pino';
import { isColorSupported, prettyFactory } from 'pino-pretty';
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

/**
 * LOG_FORMAT=pretty: one readable line per entry, written synchronously from this thread (no
 * worker transport), so what main.ts prints after the logs (the development banner) comes last.
 */
function prettyStdout(): DestinationStream {
  const format = prettyFactory({
    colorize: isColorSupported && process.stdout.isTTY === true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,node,context',
    messageFormat: '{if context}{context}: {end}{msg}',
  });
  return { write: (line: string) => void process.stdout.write(format(line)) };
}

/**
 * pino JSON lines at LOG_LEVEL (LOG_FORMAT=pretty for people), one `node` field on every line.
 * In development mode the lines are written synchronously, so the banner main.ts prints after
 * them comes last; deployed, pino's asynchronous writer keeps logging off the event loop's path.
 */
export function createPino(config: AppConfig): Pino {
  const options = { level: config.log.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { node: config.nodeId } };
  if (config.log.format === 'pretty') return pino(options, prettyStdout());
  return config.generatedSecrets ? pino(options, pino.destination({ dest: 1, sync: true })) : pino(options);
}

/**
 * Nest's start-up chatter: a line per module, route and socket handler (about a hundred). In the
 * pretty format, read by people, it is logged at debug (LOG_LEVEL=debug shows it again).
 */
const FRAMEWORK_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'WebSocketsController', 'NestFactory', 'NestApplication']);

/** Nest's ExceptionsHandler calls `error(message, stack, context)`; keep the stack as an error. */
const isStackTrace = (value: unknown): value is string => typeof value === 'string' && /\n\s*at /.test(value);

/**
 * Nest's LoggerService over pino. `new Logger(Ctx).warn({ reason }, 'msg')` arrives here as
 * `warn({ reason }, 'msg', 'Ctx')`: the last argument is the context, an object first argument
 * becomes fields of the line, an Error becomes `err`. Disabled levels return before any work.
 */
export class AppLogger implements LoggerService {
  constructor(
    readonly pino: Pino,
    private readonly quietFramework = false,
  ) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    this.write(this.quietFramework && typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : 'info', message, params);
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
