import { Injectable, Logger } from '@nestjs/common';
import { isObservable, type Observable, type Subject } from 'rxjs';
import type { Socket } from 'socket.io';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PacketBudget } from './packet-budget.js';

/** A `@SubscribeMessage` handler as Nest built it: pipes, guards, interceptors and filters applied. */
interface NestHandler {
  message: string;
  callback: (...args: unknown[]) => unknown;
  isAckHandledManually?: boolean;
}

interface Route {
  instance: object;
  callback: (...args: unknown[]) => unknown;
  manualAck: boolean;
}

/** Called for every event a socket of the namespace sends, known or not (metrics, idle time). */
export type EventObserver<S extends Socket<any, any, any, any> = Socket> = (socket: S, event: string, known: boolean) => void;

/** Rewrites an inbound event (aliases, bare payloads) before it is routed. */
export type InboundNormalizer = (event: string, args: unknown[]) => { event: string; args: unknown[] };

/** Sockets of a namespace that the packet budget does not apply to (authenticated backends). */
export type BudgetExemption<S extends Socket<any, any, any, any> = Socket> = (socket: S) => boolean;

interface NamespaceTable {
  routes: Map<string, Route>;
  disconnects: Subject<{ client: Socket; reason: string }>[];
  observer?: EventObserver;
  normalize?: InboundNormalizer;
  exempt?: BudgetExemption;
}

type Ack = (response: unknown) => void;

/**
 * One dispatcher for every socket of every namespace (per-socket cost is a budget, docs/performance.md).
 *
 * Nest's default binding gives each socket one RxJS pipeline per `@SubscribeMessage` handler and
 * one disconnect listener per gateway (~130 KiB per socket with ~40 handlers). Here the handlers
 * Nest built (with their pipes, guards, interceptors and filters) are resolved once per gateway,
 * and each socket gets one shared `onAny` listener and one shared `disconnect` listener; both are
 * plain functions that find their socket as `this`, so a socket allocates no closure at all.
 *
 * Every event spends the socket's packet budget first (SOCKET_MAX_PACKETS, docs/protocol.md §4.8), whatever
 * becomes of it: a socket past its budget gets `error RATE_LIMITED` and is disconnected.
 */
@Injectable()
export class EventDispatcher {
  private readonly logger = new Logger(EventDispatcher.name);
  private readonly tables = new Map<string, NamespaceTable>();
  private readonly budget: PacketBudget;

  /** Shared `onAny` listener: Socket.IO calls it with the socket as `this`. */
  readonly dispatch: (this: Socket, event: string, ...args: unknown[]) => void;
  /** Shared `disconnect` listener. */
  readonly disconnected: (this: Socket, reason: string) => void;

  constructor(
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.budget = new PacketBudget(config.socketMaxPackets);
    const self = this;
    this.dispatch = function (this: Socket, event: string, ...args: unknown[]): void {
      self.route(this, event, args);
    };
    this.disconnected = function (this: Socket, reason: string): void {
      const table = self.tables.get(this.nsp.name);
      if (!table) return;
      for (const subject of table.disconnects) subject.next({ client: this, reason });
    };
  }

  /** Events seen on `namespace` are reported to `observer` (one observer per namespace). */
  observe<S extends Socket<any, any, any, any>>(namespace: string, observer: EventObserver<S>): void {
    this.table(namespace).observer = observer as unknown as EventObserver;
  }

  /** Inbound events of `namespace` pass through `normalize` before routing. */
  normalizeWith(namespace: string, normalize: InboundNormalizer): void {
    this.table(namespace).normalize = normalize;
  }

  /** Sockets of `namespace` for which `exempt` is true spend no packet budget. */
  exemptFromBudget<S extends Socket<any, any, any, any>>(namespace: string, exempt: BudgetExemption<S>): void {
    this.table(namespace).exempt = exempt as unknown as BudgetExemption;
  }

  /** Whether `event` has a handler on `namespace`. */
  handles(namespace: string, event: string): boolean {
    return this.tables.get(namespace)?.routes.has(event) ?? false;
  }

  /**
   * The connection handler of one gateway (Nest calls this once per gateway at start-up).
   * Its handlers are added to the namespace's table when its first socket arrives, which is
   * when the namespace is known; every socket then only gets the two shared listeners.
   */
  connectionHandler(
    instance: object,
    handlers: NestHandler[],
    disconnect: Subject<{ client: Socket; reason: string }>,
    connection: Subject<unknown[]>,
  ): (...args: unknown[]) => void {
    let registered = false;
    const hasDisconnect = typeof (instance as { handleDisconnect?: unknown }).handleDisconnect === 'function';
    return (...args: unknown[]) => {
      const socket = args[0] as Socket;
      if (!registered) {
        registered = true;
        const table = this.table(socket.nsp.name);
        for (const h of handlers) {
          table.routes.set(h.message, { instance, callback: h.callback, manualAck: h.isAckHandledManually === true });
        }
        if (hasDisconnect) table.disconnects.push(disconnect);
      }
      connection.next(args);
      this.attach(socket);
    };
  }

  private attach(socket: Socket): void {
    if (socket.listenersAny().includes(this.dispatch)) return;
    socket.onAny(this.dispatch);
    socket.on('disconnect', this.disconnected);
  }

  private table(namespace: string): NamespaceTable {
    let table = this.tables.get(namespace);
    if (!table) {
      table = { routes: new Map(), disconnects: [] };
      this.tables.set(namespace, table);
    }
    return table;
  }

  private route(socket: Socket, rawEvent: string, rawArgs: unknown[]): void {
    // Socket.IO calls `onAny` listeners for packets decoded before a disconnect took effect.
    if (!socket.connected) return;
    const table = this.tables.get(socket.nsp.name);
    if (!table) return;
    if (!this.budget.spend(socket) && !table.exempt?.(socket)) return this.overBudget(socket);
    const { event, args } = table.normalize ? table.normalize(rawEvent, rawArgs) : { event: rawEvent, args: rawArgs };
    const route = table.routes.get(event);
    // Counted under the name the client used (aliases included; unknown names are not labels).
    table.observer?.(socket, rawEvent, route !== undefined);
    if (!route) return;

    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : undefined;
    const data = args.length === 0 ? undefined : args.length === 1 ? args[0] : args;
    let result: unknown;
    try {
      result = route.callback.call(route.instance, socket, data, ack);
    } catch (err) {
      this.logger.error({ err, event }, 'Event handler threw outside its filters');
      return;
    }
    Promise.resolve(result).then(
      (value) => {
        if (isObservable(value)) {
          (value as Observable<unknown>).subscribe({
            next: (v) => this.respond(socket, v, ack, route.manualAck),
            error: (err: unknown) => this.logger.error({ err, event }, 'Event handler failed outside its filters'),
          });
        } else {
          this.respond(socket, value, ack, route.manualAck);
        }
      },
      (err: unknown) => this.logger.error({ err, event }, 'Event handler failed outside its filters'),
    );
  }

  private overBudget(socket: Socket): void {
    this.metrics.rateLimited.inc({ scope: 'socket_packets' });
    socket.emit('error', new AppError(ErrorCode.RATE_LIMITED, 'Too many packets from this socket').toBody());
    socket.disconnect(true);
  }

  /** As Nest's adapter: `{ event, data }` is emitted back, anything else is the ack's argument. */
  private respond(socket: Socket, response: unknown, ack: Ack | undefined, manualAck: boolean): void {
    if (response === undefined || response === null) return;
    const asEvent = response as { event?: unknown; data?: unknown };
    if (typeof asEvent.event === 'string') {
      (socket.emit as (event: string, data: unknown) => boolean)(asEvent.event, asEvent.data);
      return;
    }
    if (!manualAck && ack) ack(response);
  }
}
