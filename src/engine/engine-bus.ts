/** The bus channels a backend publishes to or listens on, each under the deployment's prefix (docs/protocol.md §5, §4.7). */
export type BusChannel = 'emit' | 'force-logout' | 'kick' | 'status-refresh';

/**
 * Messages between nodes and backends, and claims that exactly one node wins. With Redis it is
 * pub/sub on the subscriber connection and `SET NX PX` claims; in memory there is one node, so
 * it is in-process (nothing outside the process publishes, nothing outside hears).
 */
export abstract class EngineBus {
  /** The full name of a bus channel, as publishers see it (sealed control messages are bound to it). */
  abstract channelName(channel: BusChannel): string;
  abstract publish(channel: string, message: string): Promise<void>;
  /** Calls `onMessage` for every message on `channels` from now on; rejects when the subscription failed (it is retried on reconnect). */
  abstract subscribe(channels: string[], onMessage: (channel: string, message: string) => void): Promise<void>;
  /** Drops the subscriber connection so it reconnects and subscribes again (one can die silently). */
  abstract recycleSubscriber(): void;
  /** True for exactly one claim of `id` among all nodes until `ttlMs` have passed. */
  abstract claim(id: string, owner: string, ttlMs: number): Promise<boolean>;
}
