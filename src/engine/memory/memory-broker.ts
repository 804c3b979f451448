import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { Broker, type HistoryRead, type Position, type Publication, type Published, type Received } from '../broker.js';
import { MemoryConnectionStore } from './memory-connection.store.js';
import { PacketRing } from './packet-ring.js';

/** Label of a publication kept for one room: `1` + the room; several: `2` + JSON; every socket: `*`. */
function label(rooms: readonly string[]): string {
  if (rooms.length === 0) return '*';
  return rooms.length === 1 ? `1${rooms[0]}` : `2${JSON.stringify(rooms)}`;
}

function labelled(label: string, rooms: ReadonlySet<string>): boolean {
  if (label === '*') return true;
  if (label[0] === '1') return rooms.has(label.slice(1));
  return (JSON.parse(label.slice(1)) as string[]).some((room) => rooms.has(room));
}

/**
 * One node: a publication is delivered to this node's sockets before `publish` returns, and the
 * history is one bounded ring of bodies outside the JS heap (PacketRing), its sequence numbers
 * the clock. RECOVERY_BUFFER_BYTES bounds it whatever the message rate.
 */
@Injectable()
export class MemoryBroker extends Broker {
  /** The clock starts at the process's start time in microseconds (positions never repeat across restarts). */
  private readonly start = Date.now() * 1000;
  private readonly ring: PacketRing;
  private receive?: (received: Received) => void;

  constructor(
    private readonly config: AppConfig,
    private readonly connections: MemoryConnectionStore,
  ) {
    super();
    // Without recovery nothing is kept: no buffer.
    this.ring = new PacketRing(config.recoveryWindowMs > 0 ? config.recoveryBufferBytes : 0, Math.max(config.recoveryWindowMs, 1));
  }

  /** Bytes the kept publications take (at most RECOVERY_BUFFER_BYTES). */
  get bytes(): number {
    return this.ring.size;
  }

  publish(batch: Publication[], now: number): Promise<Published[]> {
    const out: Published[] = [];
    for (const p of batch) {
      const rooms = p.users ? p.users.flatMap((u) => u.rooms) : p.rooms;
      const kept = p.kept && this.config.recoveryWindowMs > 0;
      // Sequence number s is position start + s + 1 (0 means "no position").
      const n = kept ? this.start + this.ring.push(label(rooms), p.body, now) + 1 : 0;
      const live = p.users ? this.connections.liveNow(p.users.map((u) => u.userId), now) : undefined;
      this.receive?.({ n, body: p.body, local: p.local });
      out.push({ n, live });
    }
    return Promise.resolve(out);
  }

  onReceive(handler: (received: Received) => void): void {
    this.receive = handler;
  }

  onResume(): void {
    // One process: nothing between the publisher and its sockets can drop a publication.
  }

  position(): Promise<Position> {
    return Promise.resolve(this.start + this.ring.nextSeq);
  }

  history(rooms: readonly string[], after: Position, limit: number): Promise<HistoryRead> {
    this.ring.dropOlderThan(Date.now() - this.config.recoveryWindowMs);
    // The entries after position `after` start at sequence number after - start.
    const from = after - this.start;
    if (from < 0) return Promise.resolve({ ok: false, reason: 'reset' });
    if (from < this.ring.firstSeq || from > this.ring.nextSeq) return Promise.resolve({ ok: false, reason: 'gap' });
    const wanted = new Set(rooms);
    const entries: Received[] = [];
    for (const { seq, label: l, text } of this.ring.from(from)) {
      if (!labelled(l, wanted)) continue;
      if (entries.length === limit) return Promise.resolve({ ok: false, reason: 'overflow' });
      entries.push({ n: this.start + seq + 1, body: text });
    }
    return Promise.resolve({ ok: true, entries });
  }

  keepHistory(): Promise<void> {
    // The ring keeps every room's publications for the window anyway.
    return Promise.resolve();
  }
}
