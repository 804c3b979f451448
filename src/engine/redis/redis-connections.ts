import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { createRedisClient, type RedisClient } from './redis-client.js';
import { RedisKeys } from './redis-keys.js';
import {
  CALL_ANSWER,
  CLOCK,
  KEEP,
  PUBLISH,
  PUBLISH_GROUP,
  RECOVERY_CLAIM,
  RECOVERY_GONE,
  RECOVERY_SAVE,
  CALL_END,
  CALL_EXPIRE_DUE,
  CHAT_SET_MEMBERS,
  CONNECTION_ADD,
  CONNECTION_REMOVE,
  IDEMPOTENCY_CLAIM,
  IDEMPOTENCY_COMPLETE,
  NOTIFICATION_ADD,
  NOTIFICATION_REMOVE,
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
  | 'gwPublish'
  | 'gwPublishGroup'
  | 'gwClock'
  | 'gwKeep'
  | 'gwRecSave'
  | 'gwRecGone'
  | 'gwRecClaim';

/**
 * The gateway's Redis connections, created before the app listens and closed on shutdown:
 * `command` for store scripts and publications (fails fast while Redis is away), `subscriber`
 * for the control bus, `bus` for this node's channels of the path between nodes (publications
 * and node messages, resubscribed after a reconnect).
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnections.name);
  readonly command: RedisClient;
  readonly subscriber: RedisClient;
  readonly bus: RedisClient;
  readonly keys: RedisKeys;
  /** Redis Cluster: sharded pub/sub, and no script spans two slots. */
  readonly clustered: boolean;
  private closing = false;

  constructor(config: AppConfig, metrics: MetricsService) {
    this.keys = new RedisKeys(config.prefix);
    const isClosing = () => this.closing;
    this.command = createRedisClient(config.redis, { name: 'command', failFast: true, isClosing });
    this.subscriber = createRedisClient(config.redis, { name: 'subscriber', failFast: false, isClosing });
    this.clustered = (config.redis.clusterNodes?.length ?? 0) > 0;
    this.bus = createRedisClient(config.redis, { name: 'bus', failFast: false, isClosing, shardedPubSub: true });
    // Never log the error object's command arguments: they may carry payloads.
    const onError = (name: string) => (err: Error) => {
      metrics.redisErrors.inc({ connection: name });
      this.logger.warn({ connection: name, reason: err.message }, 'Redis connection error');
    };
    for (const [name, client] of this.clients()) client.on('error', onError(name));
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
    // Standalone only (its keys span slots): the numbers of keys vary per batch, given per call.
    this.command.defineCommand('gwPublish', { lua: PUBLISH });
    this.command.defineCommand('gwPublishGroup', { lua: PUBLISH_GROUP });
    this.command.defineCommand('gwClock', { numberOfKeys: 1, lua: CLOCK });
    this.command.defineCommand('gwKeep', { numberOfKeys: 1, lua: KEEP });
    this.command.defineCommand('gwRecSave', { numberOfKeys: 1, lua: RECOVERY_SAVE });
    this.command.defineCommand('gwRecGone', { numberOfKeys: 1, lua: RECOVERY_GONE });
    this.command.defineCommand('gwRecClaim', { numberOfKeys: 1, lua: RECOVERY_CLAIM });
  }

  private clients(): Array<[string, RedisClient]> {
    return [
      ['command', this.command],
      ['subscriber', this.subscriber],
      ['bus', this.bus],
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
