import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import type { UserServer } from '../socket/events.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import { type FakeSocket, fakeSocket } from '../../test/support/fake-socket.js';
import type { DrainClock } from './drain-clock.js';
import { InFlight } from './in-flight.js';
import { LifecycleService } from './lifecycle.service.js';
import { ShutdownState } from './shutdown.state.js';

/** A clock the spec moves by hand: sleeps wake when the time passes their end, or when cut. */
class ManualClock implements Pick<DrainClock, 'now' | 'sleep'> {
  t = 0;
  private sleeping: Array<{ until: number; wake: () => void }> = [];

  now(): number {
    return this.t;
  }

  sleep(ms: number, cut: AbortSignal): Promise<void> {
    if (ms <= 0 || cut.aborted) return Promise.resolve();
    return new Promise((wake) => {
      this.sleeping.push({ until: this.t + ms, wake });
      cut.addEventListener('abort', () => wake(), { once: true });
    });
  }

  async advanceTo(t: number): Promise<void> {
    this.t = t;
    for (const s of this.sleeping.filter((s) => s.until <= t)) s.wake();
    this.sleeping = this.sleeping.filter((s) => s.until > t);
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

const moved = (s: FakeSocket) => s.calls.some((c) => 'closeTransport' in c);

describe('LifecycleService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']));

  describe('drain', () => {
    let clock: ManualClock;
    let state: ShutdownState;
    let inFlight: InFlight;
    let sockets: FakeSocket[];
    let sut: LifecycleService;

    beforeEach(() => {
      clock = new ManualClock();
      state = new ShutdownState();
      inFlight = new InFlight();
      sockets = [fakeSocket(), fakeSocket(), fakeSocket(), fakeSocket()];
      const ref = new SocketServerRef();
      ref.set({ sockets: { sockets: new Map(sockets.map((s) => [s.id, s])) } } as unknown as UserServer);
      const config = { shutdown: { drainDelayMs: 5000, spreadMs: 1000, timeoutMs: 30000 } } as AppConfig;
      sut = new LifecycleService(config, state, ref, inFlight, clock as unknown as DrainClock);
    });

    it('turns unready at once and keeps admitting handshakes until the delay has passed', async () => {
      void sut.drain();
      expect(state.shuttingDown).toBe(true);
      expect(state.refusesHandshakes).toBe(false);
      await clock.advanceTo(4999);
      expect(state.refusesHandshakes).toBe(false);
      expect(sockets.some(moved)).toBe(false);
      await clock.advanceTo(5000);
      expect(state.refusesHandshakes).toBe(true);
    });

    it('moves the sockets in waves spread evenly over the spread, each told a delay within its slot', async () => {
      const done = sut.drain();
      const movedAt = new Map<string, number>();
      for (let t = 5000; t <= 6000; t += 50) {
        await clock.advanceTo(t);
        for (const s of sockets) if (moved(s) && !movedAt.has(s.id)) movedAt.set(s.id, t);
      }
      await done;
      expect([...movedAt.values()].sort()).toEqual([5000, 5250, 5500, 5750]);
      for (const s of sockets) {
        const [notice, close] = s.calls;
        expect(notice).toEqual({ emit: 'server:shutdown', payload: { reconnect: true, reconnectAfterMs: expect.any(Number) } });
        expect((notice as { payload: { reconnectAfterMs: number } }).payload.reconnectAfterMs).toBeLessThan(250);
        expect(close).toEqual({ closeTransport: true });
        expect(s.calls).toHaveLength(2);
      }
    });

    it('resolves only once the in-flight work has finished', async () => {
      let finish!: () => void;
      void inFlight.track(new Promise<void>((r) => (finish = r)));
      let drained = false;
      void sut.drain().then(() => (drained = true));
      for (let t = 5000; t <= 6000; t += 250) await clock.advanceTo(t);
      expect(sockets.every(moved)).toBe(true);
      expect(drained).toBe(false);
      finish();
      await settle();
      expect(drained).toBe(true);
    });

    it('on a second signal moves every remaining socket at once, and still waits for the in-flight work', async () => {
      let finish!: () => void;
      void inFlight.track(new Promise<void>((r) => (finish = r)));
      let drained = false;
      void sut.drain().then(() => (drained = true));
      await clock.advanceTo(1000);
      sut.hurry();
      await settle();
      expect(state.refusesHandshakes).toBe(true);
      expect(sockets.every(moved)).toBe(true);
      expect(drained).toBe(false);
      finish();
      await settle();
      expect(drained).toBe(true);
    });
  });
});
