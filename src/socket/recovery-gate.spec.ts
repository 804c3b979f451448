import { EventEmitter } from 'node:events';
import { compareStreamIds, gateRecovery } from './recovery-gate.js';

interface Opts {
  rooms: Set<string>;
  except?: Set<string>;
}

/** A socket that records the packets written to it (missed packets and live deliveries alike). */
class FakeSocket {
  readonly got: unknown[] = [];
  constructor(
    readonly id: string,
    readonly rooms: Set<string>,
  ) {}
  packet(p: { data: unknown[] }) {
    this.got.push(p.data[0]);
  }
}

/**
 * The slice of a socket.io cluster adapter the gate wraps: a namespace with connected sockets,
 * apply() over them, a restore whose result the test releases, and deliveries tagged with a
 * stream id through addOffsetIfNecessary() then apply(), like ClusterAdapter.broadcast.
 */
class FakeAdapter {
  readonly nsp = Object.assign(new EventEmitter(), { sockets: new Map<string, FakeSocket>() });
  private release?: (session: { sid: string; missedPackets: unknown[][] } | null) => void;

  apply(opts: Opts, callback: (socket: FakeSocket) => void): void {
    for (const socket of this.nsp.sockets.values()) {
      const excluded = [...(opts.except ?? [])].some((r) => socket.rooms.has(r));
      const included = opts.rooms.size === 0 || [...opts.rooms].some((r) => socket.rooms.has(r));
      if (included && !excluded) callback(socket);
    }
  }

  restoreSession(_pid: string, _offset: string): Promise<{ sid: string; missedPackets: unknown[][] } | null> {
    return new Promise((resolve) => (this.release = resolve));
  }

  finishRestore(session: { sid: string; missedPackets: unknown[][] } | null): void {
    this.release?.(session);
  }

  addOffsetIfNecessary(_packet: unknown, _opts: unknown, _offset: string): void {}

  /** One local delivery of `event` (with its stream id) to `rooms`. */
  deliver(event: string, offset: string | undefined, rooms: string[]): void {
    if (offset !== undefined) this.addOffsetIfNecessary({}, {}, offset);
    this.apply({ rooms: new Set(rooms) }, (socket) => socket.packet({ data: [event] }));
  }

  /** The socket passes the middleware: it joins the namespace and `connection` fires. */
  connect(socket: FakeSocket): void {
    this.nsp.sockets.set(socket.id, socket);
    this.nsp.emit('connection', socket);
  }
}

function setup() {
  const sut = gateRecovery(new FakeAdapter());
  const socket = new FakeSocket('sid-1', new Set(['sid-1', 'user:u']));
  return { sut, socket };
}

describe('compareStreamIds', () => {
  it('orders by time, then by sequence', () => {
    expect(compareStreamIds('10-0', '9-5')).toBeGreaterThan(0);
    expect(compareStreamIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareStreamIds('10-2', '10-2')).toBe(0);
  });
});

describe('gateRecovery', () => {
  describe('restoreSession', () => {
    it('holds the missed packets until the socket has connected', async () => {
      const { sut, socket } = setup();
      const restoring = sut.restoreSession('pid', '1-0');
      sut.finishRestore({ sid: socket.id, missedPackets: [['m1', '2-0'], ['m2', '3-0']] });

      const session = await restoring;

      expect(session?.missedPackets).toEqual([]);
      expect(socket.got).toEqual([]);
      sut.connect(socket);
      expect(socket.got).toEqual(['m1', 'm2']);
    });

    it('replays, after the missed packets, what was delivered to its rooms meanwhile, and nothing twice', async () => {
      const { sut, socket } = setup();
      const restoring = sut.restoreSession('pid', '1-0');
      sut.deliver('covered-by-the-read', '2-0', ['user:u']);
      sut.finishRestore({ sid: socket.id, missedPackets: [['covered-by-the-read', '2-0']] });
      sut.deliver('during-restore', '3-0', ['user:u']);
      await restoring;
      sut.deliver('before-connect', '4-0', ['user:u']);
      sut.deliver('other-room', '5-0', ['user:v']);

      sut.connect(socket);
      sut.deliver('lagging-duplicate', '2-0', ['user:u']);
      sut.deliver('live', '6-0', ['user:u']);

      expect(socket.got).toEqual(['covered-by-the-read', 'during-restore', 'before-connect', 'live']);
    });

    it('gives nothing to a restored socket that never connects (refused by the middleware)', async () => {
      const { sut, socket } = setup();
      const restoring = sut.restoreSession('pid', '1-0');
      sut.finishRestore({ sid: socket.id, missedPackets: [['m1', '2-0']] });
      await restoring;
      sut.deliver('meanwhile', '3-0', ['user:u']);

      expect(socket.got).toEqual([]);
    });

    it('serves a socket that recovers again (same id) from its new session', async () => {
      const { sut, socket } = setup();
      const first = sut.restoreSession('pid', '1-0');
      sut.finishRestore({ sid: socket.id, missedPackets: [['m1', '2-0']] });
      await first;
      sut.connect(socket);
      sut.nsp.sockets.delete(socket.id); // dropped again

      const second = sut.restoreSession('pid2', '2-0');
      sut.finishRestore({ sid: socket.id, missedPackets: [['m2', '3-0']] });
      await second;
      sut.deliver('meanwhile', '4-0', ['user:u']);
      sut.connect(socket);

      expect(socket.got).toEqual(['m1', 'm2', 'meanwhile']);
    });

    it('leaves sockets that are not recovering alone', async () => {
      const { sut } = setup();
      const other = new FakeSocket('sid-2', new Set(['sid-2', 'user:u']));
      sut.connect(other);
      sut.deliver('a', '2-0', ['user:u']);
      const restoring = sut.restoreSession('pid', '1-0');
      sut.finishRestore(null);
      await restoring;
      sut.deliver('b', '3-0', ['user:u']);

      expect(other.got).toEqual(['a', 'b']);
    });
  });
});
