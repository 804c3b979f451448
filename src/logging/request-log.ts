import type { Logger as Pino } from 'pino';

/** Health probes and scrapes would drown the request lines. */
const UNLOGGED = /^\/(health|metrics)/i;

/**
 * One line per HTTP request at `debug` (so none at the default `info`): building a log object
 * per request costs more than the rest of a `POST /internal/emit`. The URL loses its query
 * string (`?token=`).
 */
export class RequestLog {
  readonly enabled: boolean;

  constructor(private readonly pino: Pino) {
    this.enabled = pino.isLevelEnabled('debug');
  }

  skips(url: string): boolean {
    return !this.enabled || UNLOGGED.test(url);
  }

  write(method: string, url: string, statusCode: number, responseTimeMs: number): void {
    this.pino.debug(
      { context: 'HTTP', req: { method, url: url.split('?')[0] }, res: { statusCode }, responseTime: Math.round(responseTimeMs * 1000) / 1000 },
      'request completed',
    );
  }
}
