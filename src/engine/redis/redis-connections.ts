import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Command } from 'ioredis';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { createRedisClient, type RedisClient } from './redis-client.js';
import { RedisKeys } from './redis-keys.js';
import { SCRIPTS, type ScriptName } from './lua-scripts.js';

type ScriptFn = (...args: Array<string | number>) => Promise<unknown>;

/**
 * The gateway's Redis connections, created before the app listens and closed on shutdown:
 * `command` for store scripts and publications (fails fast while Redis is away), `subscriber`
 * for the control bus, `bus` for this node's channels of the path between nodes (publications
 * and node messages, resubscribed after a reconnect), and `health` for the readiness ping alone:
 * behind the command connection's queue a ping waits for the node's own work (a reconnect storm
 * queues thousands of restores there), and a node that is busy, not cut off, would be taken out
 * of its load balancer — the last node standing included.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnections.name);
  readonly command: RedisClient;
  readonly subscriber: RedisClient;
  readonly bus: RedisClient;
  readonly health: RedisClient;
  readonly keys: RedisKeys;
  /** Redis Cluster: sharded pub/sub, and no script spans two slots. */
  readonly clustered: boolean;
  private closing = false;
  private readonly scripts = new Map<ScriptName, ScriptFn>();
  private readonly unpipelined = new Map<ScriptName, ScriptFn>();
  /** SCRIPT LOADs in flight, by SHA. */
  private readonly loading = new Map<string, Promise<unknown>>();

  constructor(config: AppConfig, metrics: MetricsService) {
    this.keys = new RedisKeys(config.prefix);
    const isClosing = () => this.closing;
    this.command = createRedisClient(config.redis, { name: 'command', failFast: true, isClosing });
    this.subscriber = createRedisClient(config.redis, { name: 'subscriber', failFast: false, isClosing });
    this.clustered = (config.redis.clusterNodes?.length ?? 0) > 0;
    this.bus = createRedisClient(config.redis, { name: 'bus', failFast: false, isClosing, shardedPubSub: true });
    this.health = createRedisClient(config.redis, { name: 'health', failFast: true, isClosing });
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
    const client = this.command as unknown as Record<'evalsha' | 'eval', (first: string, ...call: Array<string | number>) => Promise<unknown>>;
    const pipelined = (name: 'evalsha' | 'eval', first: string, call: Array<string | number>) => client[name](first, ...call);
    const written = (name: 'evalsha' | 'eval', first: string, call: Array<string | number>) => this.command.sendCommand(new Command(name, [first, ...call])) as Promise<unknown>;
    for (const [name, { lua, keys }] of Object.entries(SCRIPTS) as Array<[ScriptName, (typeof SCRIPTS)[ScriptName]]>) {
      const scripted = this.evalsha(lua, keys, pipelined);
      this.scripts.set(name, scripted);
      this.unpipelined.set(name, this.clustered ? scripted : this.evalsha(lua, keys, written));
    }
  }

  private clients(): Array<[string, RedisClient]> {
    return [
      ['command', this.command],
      ['subscriber', this.subscriber],
      ['bus', this.bus],
      ['health', this.health],
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

  /** Runs one of the gateway's scripts (lua-scripts.ts) on the command connection. */
  script(name: ScriptName): ScriptFn {
    return this.scripts.get(name) as ScriptFn;
  }

  /**
   * The same, written to the connection at once instead of auto-pipelined at the end of the
   * turn: for a caller that batches its calls itself (the broker's publications), where the
   * pipeline ioredis would build around each call is pure overhead. Standalone Redis only; on
   * Cluster it is `script(name)` (the pipeline routes by slot).
   */
  scriptNow(name: ScriptName): ScriptFn {
    return this.unpipelined.get(name) as ScriptFn;
  }

  /**
   * EVALSHA as a plain command: auto-pipelined like any other and, on Cluster, routed by its keys.
   * (ioredis' defineCommand sends the whole script with EVAL whenever the call is pipelined, which
   * auto-pipelining makes every call.) `send` is the client's auto-pipelined command, or a Command
   * written to the connection at once (scriptNow).
   *
   * A server that does not have the script (a fresh or restarted Redis) answers NOSCRIPT to every
   * call in flight — after a restart, a reconnect storm's hundreds of disconnects and restores at
   * once. Standalone, the script is then loaded once (SCRIPT LOAD, shared by those calls) and each
   * call sent again by its SHA; before, each sent the whole script with EVAL (362 of them in one
   * second in a perf run's teardown, 100–160 µs each in Redis). On Cluster, where a load would
   * have to reach the key's master, the call goes with EVAL, as it does if the script went missing
   * again meanwhile.
   */
  private evalsha(lua: string, keys: number | undefined, send: (name: 'evalsha' | 'eval', first: string, call: Array<string | number>) => Promise<unknown>): ScriptFn {
    const sha = createHash('sha1').update(lua).digest('hex');
    return async (...args) => {
      const call = keys === undefined ? args : [keys, ...args];
      try {
        return await send('evalsha', sha, call);
      } catch (err) {
        if (!isNoScript(err)) throw err;
      }
      if (!this.clustered) {
        await this.load(sha, lua);
        try {
          return await send('evalsha', sha, call);
        } catch (err) {
          if (!isNoScript(err)) throw err;
        }
      }
      return send('eval', lua, call);
    };
  }

  /** SCRIPT LOAD of `lua`, one at a time however many calls found it missing. */
  private load(sha: string, lua: string): Promise<unknown> {
    let loading = this.loading.get(sha);
    if (!loading) {
      loading = this.command
        .script('LOAD', lua)
        .catch(() => undefined)
        .finally(() => this.loading.delete(sha));
      this.loading.set(sha, loading);
    }
    return loading;
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

function isNoScript(err: unknown): boolean {
  return (err as Error | undefined)?.message?.startsWith('NOSCRIPT') === true;
}
