import type { Logger } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import {
  type BroadcastOptions,
  type ClusterMessage,
  type ClusterResponse,
  ClusterAdapterWithHeartbeat,
  type PrivateSessionId,
  type Room,
  type Session,
  type SocketId,
} from 'socket.io-adapter';
import type { Broker, Publication, Published, Received } from '../engine/broker.js';
import type { NodeBus } from '../engine/node-bus.js';
import { Rooms } from '../socket/rooms.js';
import { formatOffset } from './offsets.js';
import { SlicedWrites } from './sliced-writes.js';
import { type DeliverySocket, HELD, Outgoing, POSITION, REPLAYED } from './local-delivery.js';
import { closePacket, type DecodedBody, decodeBody, encodeBody, openPacket } from './wire.js';
import { PacketType } from 'socket.io-parser';


interface Packet {
  type: number;
  data: unknown[];
  id?: number;
  nsp?: string;
}

interface Encoder {
  encode(packet: Packet): Array<string | Buffer>;
}

/** Socket.IO's cluster messages between the adapters of one namespace (`r`: a response). */
interface ClusterEnvelope {
  r?: boolean;
  m: ClusterMessage & { nsp: string };
}

declare module '../engine/node-bus.js' {
  interface NodeTopics {
    'socket.io': ClusterEnvelope;
  }
}

/** What the recovery of `/` does at Socket.IO's hooks (src/recovery/recovery.service.ts). */
export interface RecoveryHooks {
  restore(nsp: Namespace, pid: PrivateSessionId, offset: string): Promise<Session | null>;
  /** Socket.IO judged the socket's disconnection recoverable (transport close, ping timeout…). */
  recoverable(socketId: SocketId): void;
  /** A connected socket joined or left a room. */
  roomsChanged(socketId: SocketId): void;
}

export interface ClusterWiring {
  nodeId: string;
  /** Time one event-loop turn spends writing publications to sockets (SlicedWrites); 0: all at once. */
  deliverySliceMs: number;
  broker: Broker;
  bus: NodeBus;
  /** Recovery of the `/` namespace; other namespaces recover nothing. */
  recovery?: RecoveryHooks;
  logger: Logger;
  /** A publication the engine refused (Redis away): counted and logged by the caller. */
  onPublishError(err: Error): void;
  /** Observability: `sockets` sockets of this node were handed one message addressed to `rooms` (none: the whole namespace). */
  delivered?(nsp: string, rooms: readonly string[], sockets: number): void;
}

/**
 * This node's adapters by namespace, fed by one receiver per server: publications and node
 * messages name their namespace.
 */
export class ClusterNode {
  private readonly adapters = new Map<string, GatewayAdapter>();
  /** Every publication's writes to this node's sockets, in order, sliced over turns. */
  readonly writes: SlicedWrites<SocketId>;

  constructor(readonly wiring: ClusterWiring) {
    this.writes = new SlicedWrites<SocketId>(wiring.deliverySliceMs, () => performance.now(), setImmediate);
    wiring.broker.onReceive((received) => this.receive(received));
    wiring.bus.on('socket.io', (message) => this.nodeMessage(message));
  }

  register(adapter: GatewayAdapter): void {
    this.adapters.set(adapter.nsp.name, adapter);
  }

  adapter(nsp: string): GatewayAdapter | undefined {
    return this.adapters.get(nsp);
  }

  private receive(received: Received): void {
    let body = received.local as DecodedBody | undefined;
    try {
      body ??= decodeBody(received.body);
    } catch {
      body = undefined;
    }
    if (!body) {
      this.wiring.logger.warn('Dropped a publication that does not decode');
      return;
    }
    this.adapters.get(body.nsp)?.deliver(received.n, body.rooms, body.except, body.text);
  }

  /** Socket.IO's cluster requests and responses, for the adapter of their namespace. */
  private nodeMessage(message: ClusterEnvelope): void {
    const adapter = typeof message?.m?.nsp === 'string' ? this.adapters.get(message.m.nsp) : undefined;
    if (!adapter) return;
    if (message.r) adapter.onResponse(message.m as unknown as ClusterResponse);
    else adapter.onMessage(message.m, '');
  }
}

/**
 * The Socket.IO adapter of both engines. A broadcast is one publication (src/engine/broker.ts):
 * to a user's rooms it reaches the nodes holding that user's sockets; to other rooms every node.
 * Its position becomes the Socket.IO offset argument, shared by every socket it reaches on a
 * node. Joins, leaves, disconnects and server-side emits across nodes are Socket.IO's cluster
 * requests, sent over the node bus. `socket.emit` to a socket of this node is written at once,
 * stamped with the socket's last offset: it is not a message anyone recovers (`connected`,
 * acks, errors).
 */
export class GatewayAdapter extends ClusterAdapterWithHeartbeat {
  declare readonly nsp: Namespace;
  private readonly recoverable: boolean;
  /** socket.io-adapter's encoder (private in its typings). */
  private readonly packetEncoder: Encoder = (this as unknown as { encoder: Encoder }).encoder;
  private readonly recoveryHooks?: RecoveryHooks;

  constructor(
    nsp: Namespace,
    private readonly node: ClusterNode,
  ) {
    super(nsp as never, { heartbeatInterval: 5000, heartbeatTimeout: 10_000 });
    (this as unknown as { uid: string }).uid = node.wiring.nodeId;
    this.recoveryHooks = nsp.name === '/' ? node.wiring.recovery : undefined;
    this.recoverable = this.recoveryHooks !== undefined && Boolean((nsp.server as unknown as { opts: { connectionStateRecovery?: unknown } }).opts.connectionStateRecovery);
    node.register(this);
  }

  // Socket.IO ignores the result of broadcast(); the base class returns a promise.
  override broadcast(packet: Packet, opts: BroadcastOptions): Promise<void> {
    this.route(packet, opts);
    return Promise.resolve();
  }

  private route(packet: Packet, opts: BroadcastOptions): void {
    const flags = opts.flags ?? {};
    const target = opts.rooms.size === 1 && !opts.except?.size ? (opts.rooms.values().next().value as Room) : undefined;
    if (flags.local) return this.writeLocal(packet, opts);
    if (target !== undefined && this.nsp.sockets.has(target)) return this.writeLocal(packet, opts);
    if (packet.type !== PacketType.EVENT || packet.id !== undefined) return this.writeLocal(packet, opts);
    const publication = this.publication(packet, [...opts.rooms], [...(opts.except ?? [])], flags.volatile === undefined);
    if (!publication) return this.writeLocal(packet, opts);
    this.node.wiring.broker.publish([publication], Date.now()).catch((err: Error) => this.node.wiring.onPublishError(err));
  }

  /**
   * A publication of `packet` to `rooms` minus `except`: routed to the nodes of their users when
   * every room belongs to a user, else to every node. Undefined when the packet cannot travel as
   * text (binary attachments: no event of the gateway carries any).
   */
  publication(packet: Packet, rooms: string[], except: string[], keep = true): Publication | undefined {
    packet.nsp = this.nsp.name;
    const encoded = this.packetEncoder.encode(packet);
    if (encoded.length !== 1 || typeof encoded[0] !== 'string') return undefined;
    const text = openPacket(encoded[0]);
    const body = encodeBody(rooms, except, text);
    const kept = keep && this.recoverable;
    const users = userGroups(rooms);
    const local: DecodedBody = { rooms, except, nsp: this.nsp.name, text };
    return users ? { body, kept, rooms, users, local } : { body, kept, rooms, local };
  }

  /** Publishes a batch and resolves with each one's position and, for users, who had a live socket. */
  publishAll(batch: Publication[]): Promise<Published[]> {
    return this.node.wiring.broker.publish(batch, Date.now());
  }

  /**
   * A publication for this namespace reached this node: write it to its sockets in the rooms (the
   * members at its arrival), in turn after those still being written (ClusterNode.writes). A
   * socket whose replay ran meanwhile and already carried it is skipped.
   */
  deliver(n: number, rooms: string[], except: string[], open: string): void {
    const offset = n > 0 && this.recoverable ? formatOffset(n) : undefined;
    const shared = offset !== undefined ? new Outgoing(closePacket(open, offset), this.nsp.name) : undefined;
    const write = (id: SocketId, late: boolean) => {
      const socket = this.nsp.sockets.get(id);
      if (!socket) return;
      const s = socket as unknown as DeliverySocket;
      if (shared && offset !== undefined) {
        const held = s[HELD];
        if (held) held.push(n, shared.wire);
        else if (!late || (s[REPLAYED] ?? 0) < n) {
          shared.write(socket);
          s[POSITION] = n;
        }
        return;
      }
      this.stamped(open, socket).write(socket);
    };
    let targets: Iterable<SocketId>;
    let size: number;
    if (rooms.length === 1 && except.length === 0) {
      const ids = this.rooms.get(rooms[0]);
      if (!ids) return;
      targets = ids;
      size = ids.size;
    } else {
      const ids: SocketId[] = [];
      this.forEach({ rooms: new Set(rooms), except: new Set(except) }, (socket) => ids.push(socket.id));
      targets = ids;
      size = ids.length;
    }
    this.counted(rooms, size);
    this.node.writes.deliver(targets, write);
  }

  /** Writes to this node's sockets now, each stamped with its own last offset (nothing is published). */
  private writeLocal(packet: Packet, opts: BroadcastOptions): void {
    packet.nsp = this.nsp.name;
    const encoded = this.packetEncoder.encode(packet);
    const storable = packet.type === PacketType.EVENT && packet.id === undefined && encoded.length === 1 && typeof encoded[0] === 'string';
    if (!storable || !this.recoverable) {
      if (this.node.wiring.delivered) {
        let reached = 0;
        this.forEach(opts, () => (reached += 1));
        this.counted([...opts.rooms], reached);
      }
      void super.broadcast(packet, { ...opts, flags: { ...opts.flags, local: true } });
      return;
    }
    const open = openPacket(encoded[0] as string);
    let reached = 0;
    this.forEach(opts, (socket) => {
      reached += 1;
      this.stamped(open, socket).write(socket);
    });
    this.counted([...opts.rooms], reached);
  }

  /** Reports a delivery to the wiring's counter (metrics), apart from the routing above. */
  private counted(rooms: readonly string[], sockets: number): void {
    if (sockets > 0) this.node.wiring.delivered?.(this.nsp.name, rooms, sockets);
  }

  /** socket.io-adapter's room walk (each socket once, exceptions applied). */
  private forEach(opts: Pick<BroadcastOptions, 'rooms' | 'except'>, callback: (socket: Socket) => void): void {
    (this as unknown as { apply(opts: object, callback: (socket: Socket) => void): void }).apply(opts, callback);
  }

  private stamped(open: string, socket: Socket): Outgoing {
    const position = (socket as unknown as DeliverySocket)[POSITION];
    return new Outgoing(this.recoverable && position !== undefined ? closePacket(open, formatOffset(position)) : `${open}]`, this.nsp.name);
  }

  override addAll(id: SocketId, rooms: Set<Room>): void {
    void super.addAll(id, rooms);
    if (this.recoveryHooks && this.nsp.sockets.has(id)) this.recoveryHooks.roomsChanged(id);
  }

  override del(room: Room, id: SocketId): void {
    void super.del(room, id);
    if (this.recoveryHooks && this.nsp.sockets.has(id)) this.recoveryHooks.roomsChanged(id);
  }

  override persistSession(session: { sid: SocketId }): void {
    this.recoveryHooks?.recoverable(session.sid);
  }

  // Socket.IO treats a null session as "nothing to restore"; the base type says Session.
  override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session> {
    if (!this.recoveryHooks) return Promise.resolve(null as unknown as Session);
    return this.recoveryHooks.restore(this.nsp, pid, offset) as Promise<Session>;
  }

  protected override doPublish(message: ClusterMessage): Promise<string> {
    return this.node.wiring.bus.toAll('socket.io', { m: message as ClusterEnvelope['m'] }).then(() => '');
  }

  protected override doPublishResponse(requesterUid: string, response: ClusterResponse): Promise<void> {
    return this.node.wiring.bus.toNode(requesterUid, 'socket.io', { r: true, m: response as unknown as ClusterEnvelope['m'] });
  }
}

/** When every room belongs to a user (user and session rooms): the rooms grouped by user. */
function userGroups(rooms: string[]): Array<{ userId: string; rooms: string[] }> | undefined {
  if (rooms.length === 0) return undefined;
  const groups = new Map<string, string[]>();
  for (const room of rooms) {
    const owner = Rooms.ownerOf(room);
    if (owner === undefined) return undefined;
    const list = groups.get(owner);
    if (list) list.push(room);
    else groups.set(owner, [room]);
  }
  return [...groups].map(([userId, list]) => ({ userId, rooms: list }));
}
