import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How a delivered message was addressed (src/socket/delivery-count.ts decides). */
export type DeliveryKind = 'targeted' | 'room' | 'broadcast';

/**
 * What a backend asked for: the `action` label of gateway_internal_requests_total. One name per
 * action whichever transport carried it, spelled like the `/internal` events (snake_case), so
 * `POST /internal/force-logout` and the `force_logout` event count under the same label.
 */
export type InternalActionName =
  | 'emit'
  | 'emit_batch'
  | 'send_message'
  | 'force_logout'
  | 'kick'
  | 'get_online_users'
  | 'notify'
  | 'report_status'
  | 'uptime_kuma'
  | 'chat_members'
  | 'friends'
  | 'list_services'
  | 'approve_service'
  | 'remove_service';

/**
 * Prometheus metrics of docs/protocol.md §7. Each app instance owns its registry, so several
 * instances in one process (tests) do not collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  /** Plain numbers for /health; the gauges mirror them. */
  private readonly counts = { active: 0, total: 0, peak: 0 };

  readonly connectionsActive = new Gauge({ name: 'gateway_connections_active', help: 'Open user sockets on this node', registers: [this.registry] });
  readonly connectionsTotal = new Counter({ name: 'gateway_connections_total', help: 'User sockets accepted since start', registers: [this.registry] });
  readonly connectionsPeak = new Gauge({ name: 'gateway_connections_peak', help: 'Most user sockets open at once', registers: [this.registry] });
  readonly handshakeRejections = new Counter({ name: 'gateway_handshake_rejections_total', help: 'Refused handshakes by code', labelNames: ['code'], registers: [this.registry] });
  readonly eventsReceived = new Counter({ name: 'gateway_events_received_total', help: 'Client events received by name', labelNames: ['event'], registers: [this.registry] });
  readonly unknownEvents = new Counter({ name: 'gateway_unknown_events_total', help: 'Client events with no handler (ignored)', registers: [this.registry] });
  readonly ackErrors = new Counter({ name: 'gateway_ack_errors_total', help: 'Error acks by code', labelNames: ['code'], registers: [this.registry] });
  readonly handlerLatency = new Histogram({
    name: 'gateway_handler_duration_seconds',
    help: 'Event handler latency',
    labelNames: ['event'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly controlBus = new Counter({
    name: 'gateway_control_bus_messages_total',
    help: 'Control-bus messages by channel and outcome',
    labelNames: ['channel', 'outcome'],
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({ name: 'gateway_rate_limit_rejections_total', help: 'Requests refused by a rate limit', labelNames: ['scope'], registers: [this.registry] });
  readonly handshakeRefusals = new Counter({
    name: 'gateway_handshake_admission_refusals_total',
    help: 'New connections answered 503 + Retry-After before any work, by reason (queue_full: HANDSHAKE_MAX_QUEUED already waiting; queue_wait: waited 8 s for a turn)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly slowDisconnects = new Counter({
    name: 'gateway_slow_disconnects_total',
    help: 'Sockets whose transport was closed for holding more than SOCKET_MAX_BUFFERED_BYTES unsent',
    registers: [this.registry],
  });
  readonly recoveries = new Counter({
    name: 'gateway_recoveries_total',
    help: 'Connection-state recoveries by outcome (recovered; gap, overflow, taken, abandoned: the socket got a fresh connection)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly publishFailures = new Counter({ name: 'gateway_publish_failures_total', help: 'Publications the engine refused (Redis unreachable)', registers: [this.registry] });
  readonly redisErrors = new Counter({ name: 'gateway_redis_errors_total', help: 'Redis connection errors', labelNames: ['connection'], registers: [this.registry] });
  readonly internalAuthFailures = new Counter({
    name: 'gateway_internal_auth_failures_total',
    help: 'Internal API requests refused for a missing or wrong bearer secret',
    registers: [this.registry],
  });
  private readonly internalRequests = new Counter({
    name: 'gateway_internal_requests_total',
    help: 'Internal API calls by action and transport',
    labelNames: ['action', 'transport'],
    registers: [this.registry],
  });

  /** One backend request that passed authentication (gateway_internal_requests_total). */
  internalRequest(action: InternalActionName, transport: 'http' | 'socket'): void {
    this.internalRequests.inc({ action, transport });
  }

  readonly messagesDelivered = new Counter({
    name: 'gateway_messages_delivered_total',
    help: 'Messages handed to sockets of this node, one per socket, by namespace and kind (targeted: users, sessions or sockets; room; broadcast: the whole namespace)',
    labelNames: ['namespace', 'kind'],
    registers: [this.registry],
  });
  readonly outboundBytesTotal = new Counter({
    name: 'gateway_outbound_bytes_total',
    help: 'Bytes of engine.io packets handed to client transports, before WebSocket framing and compression, by transport',
    labelNames: ['transport'],
    registers: [this.registry],
  });
  /** Label children by key: a delivery costs a map lookup, not prom-client's label hashing. */
  private readonly deliveredBy = new Map<string, Counter.Internal>();
  private readonly bytesBy = new Map<string, Counter.Internal>();

  constructor() {
    // prom-client's own names (process_*, nodejs_*), which the standard Node.js dashboards query.
    collectDefaultMetrics({ register: this.registry });
  }

  /** `sockets` sockets of this node were handed one message addressed as `kind` on `namespace`. */
  delivered(namespace: string, kind: DeliveryKind, sockets: number): void {
    const key = `${kind} ${namespace}`;
    let child = this.deliveredBy.get(key);
    if (!child) {
      child = this.messagesDelivered.labels(namespace, kind);
      this.deliveredBy.set(key, child);
    }
    child.inc(sockets);
  }

  /** `bytes` bytes were handed to a client's `transport` (websocket, polling, webtransport). */
  outboundBytes(bytes: number, transport: string): void {
    let child = this.bytesBy.get(transport);
    if (!child) {
      child = this.outboundBytesTotal.labels(transport);
      this.bytesBy.set(transport, child);
    }
    child.inc(bytes);
  }

  socketOpened(): void {
    this.counts.total += 1;
    this.counts.active += 1;
    this.counts.peak = Math.max(this.counts.peak, this.counts.active);
    this.connectionsTotal.inc();
    this.connectionsActive.set(this.counts.active);
    this.connectionsPeak.set(this.counts.peak);
  }

  socketClosed(): void {
    this.counts.active = Math.max(0, this.counts.active - 1);
    this.connectionsActive.set(this.counts.active);
  }

  snapshot(): { active: number; total: number; peak: number } {
    return { ...this.counts };
  }
}
