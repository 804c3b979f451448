import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { createRedisClient, type RedisClient } from './redis-client.js';
import { RedisKeys } from './redis-keys.js';
import {
  CALL_ANSWER,
  CALL_END,
  CALL_EXPIRE_DUE,
  CHAT_SET_MEMBERS,
  CONNECTION_ADD,
  CONNECTION_REMOVE,
  IDEMPOTENCY_CLAIM,
  IDEMPOTENCY_COMPLETE,
  NOTIFICATION_ADD,
  NOTIFICATION_REMOVE,
  PRESENCE_SET,
  RATE_HIT,
  RATE_PEEK,
  SERVICE_REGISTER,
  SERVICE_SET_STATUS,
  SESSION_CLAIM,
  SESSION_FORCE_ACTIVE,
  SESSION_REVOKE_LIVE,
} from './lua-scripts.js';

type ScriptFn = (...args: Array<string | number>) => Promise<unknown>;
type ScriptName =
  | 'gwSessionClaim'
  | 'gwSessionForce'
  | 'gwSessionRevokeLive'
  | 'gwRateHit'
  | 'gwRatePeek'
  | 'gwServiceRegister'
  | 'gwServiceSetStatus'
  | 'gwNotificationAdd'
  | 'gwNotificationRemove'
  | 'gwChatSetMembers'
  | 'gwConnAdd'
  | 'gwConnRemove'
  | 'gwCallAnswer'
  | 'gwCallEnd'
  | 'gwCallExpireDue'
  | 'gwIdemClaim'
  | 'gwIdemComplete'
  | 'gwPresenceSet';

/**
 * The gateway's Redis connections, created before the app listens and closed on shutdown:
 * `command` for store scripts (fails fast while Redis is away), `subscriber` for the
 * control bus, `adapter` for the Socket.IO adapter (queues while reconnecting).
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnections.name);
  readonly command: RedisClient;
  readonly subscriber: RedisClient;
  readonly adapter: RedisClient;
  readonly keys: RedisKeys;
  private closing = false;
  private readonly adapterCopies: RedisClient[] = [];

  constructor(config: AppConfig, metrics: MetricsService) {
    this.keys = new RedisKeys(config.prefix);
    const isClosing = () => this.closing;
    this.command = createRedisClient(config.redis, { name: 'command', failFast: true, isClosing });
    this.subscriber = createRedisClient(config.redis, { name: 'subscriber', failFast: false, isClosing });
    // The Socket.IO adapter duplicates this client for its blocking XREAD loop, which only checks for
    // close between reads: without isClosing it would reconnect forever if Redis went away meanwhile.
    this.adapter = createRedisClient(config.redis, { name: 'adapter', failFast: false, isClosing });
    // Never log the error object's command arguments: they may carry payloads. One line per
    // connection and outage: while Redis is away each reconnection attempt fails, and is counted.
    const watch = (name: string, client: RedisClient) => {
      let reported = false;
      client.on('ready', () => (reported = false));
      client.on('error', (err: Error) => {
        metrics.redisErrors.inc({ connection: name });
        if (reported) return;
        reported = true;
        this.logger.warn({ connection: name, reason: err.message }, 'Redis connection error (repeats are counted in gateway_redis_errors_total until it is ready again)');
      });
    };
    for (const [name, client] of this.clients()) watch(name, client);
    // The adapter duplicates its client for the blocking XREAD loop and pub/sub. Keep hold of the
    // copies: they need our error listener, and closing them ends a pending XREAD at shutdown
    // instead of up to one block interval later.
    const duplicate = this.adapter.duplicate.bind(this.adapter) as () => RedisClient;
    (this.adapter as { duplicate: () => RedisClient }).duplicate = () => {
      const copy = duplicate();
      watch('adapter', copy);
      // The adapter awaits connect() without a catch: started during an outage, the rejection
      // would kill the process. The copy keeps reconnecting by itself either way.
      const connect = copy.connect.bind(copy);
      copy.connect = () => connect().catch(() => undefined);
      this.adapterCopies.push(copy);
      return copy;
    };
    this.command.defineCommand('gwSessionClaim', { numberOfKeys: 2, lua: SESSION_CLAIM });
    this.command.defineCommand('gwSessionForce', { numberOfKeys: 2, lua: SESSION_FORCE_ACTIVE });
    this.command.defineCommand('gwSessionRevokeLive', { numberOfKeys: 2, lua: SESSION_REVOKE_LIVE });
    this.command.defineCommand('gwRateHit', { numberOfKeys: 1, lua: RATE_HIT });
    this.command.defineCommand('gwRatePeek', { numberOfKeys: 1, lua: RATE_PEEK });
    this.command.defineCommand('gwServiceRegister', { numberOfKeys: 1, lua: SERVICE_REGISTER });
    this.command.defineCommand('gwServiceSetStatus', { numberOfKeys: 1, lua: SERVICE_SET_STATUS });
    this.command.defineCommand('gwNotificationAdd', { numberOfKeys: 2, lua: NOTIFICATION_ADD });
    this.command.defineCommand('gwNotificationRemove', { numberOfKeys: 2, lua: NOTIFICATION_REMOVE });
    this.command.defineCommand('gwChatSetMembers', { numberOfKeys: 1, lua: CHAT_SET_MEMBERS });
    this.command.defineCommand('gwConnAdd', { numberOfKeys: 1, lua: CONNECTION_ADD });
    this.command.defineCommand('gwCallAnswer', { numberOfKeys: 2, lua: CALL_ANSWER });
    this.command.defineCommand('gwCallEnd', { numberOfKeys: 2, lua: CALL_END });
    this.command.defineCommand('gwCallExpireDue', { numberOfKeys: 1, lua: CALL_EXPIRE_DUE });
    this.command.defineCommand('gwConnRemove', { numberOfKeys: 1, lua: CONNECTION_REMOVE });
    this.command.defineCommand('gwIdemClaim', { numberOfKeys: 1, lua: IDEMPOTENCY_CLAIM });
    this.command.defineCommand('gwIdemComplete', { numberOfKeys: 1, lua: IDEMPOTENCY_COMPLETE });
    this.command.defineCommand('gwPresenceSet', { numberOfKeys: 1, lua: PRESENCE_SET });
  }

  private clients(): Array<[string, RedisClient]> {
    return [
      ['command', this.command],
      ['subscriber', this.subscriber],
      ['adapter', this.adapter],
    ];
  }

  /** Starts connecting; resolves when every client is ready or `timeoutMs` passes (then keeps retrying). */
  async connect(timeoutMs: number): Promise<boolean> {
    const ready = Promise.all(
      this.clients().map(([, c]) =>
        c.status === 'wait' ? c.connect().catch(() => undefined) : Promise.resolve(undefined),
      ),
    ).then(() => this.clients().every(([, c]) => c.status === 'ready'));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  script(name: ScriptName): ScriptFn {
    const fn = (this.command as unknown as Record<string, ScriptFn>)[name];
    return fn.bind(this.command);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    for (const copy of this.adapterCopies) copy.disconnect();
    await Promise.all(
      this.clients().map(async ([, c]) => {
        try {
          await c.quit();
        } catch {
          c.disconnect();
        }
      }),
    );
  }
}
