import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { NodeBus, type NodeTopic, type NodeTopics } from '../engine/node-bus.js';
import type { SocketServerRef } from '../socket/socket-server.ref.js';
import { NodeQuestions } from './node-questions.js';

/** A bus to one other node that is alive by its heartbeat; the test decides whether it answers. */
class OneOtherNode extends NodeBus {
  readonly asked: Array<{ q: string; sid: string }> = [];
  private readonly handlers = new Map<string, (payload: unknown, from: string) => void>();

  toAll(): Promise<void> {
    return Promise.resolve();
  }

  toNode<T extends NodeTopic>(_nodeId: string, topic: T, payload: NodeTopics[T]): Promise<void> {
    if (topic === 'recovery:question') this.asked.push(payload as { q: string; sid: string });
    return Promise.resolve();
  }

  on<T extends NodeTopic>(topic: T, handler: (payload: NodeTopics[T], from: string) => void): void {
    this.handlers.set(topic, handler as (payload: unknown, from: string) => void);
  }

  isAlive(): Promise<boolean> {
    return Promise.resolve(true);
  }

  lastSeen(): Promise<number | undefined> {
    return Promise.resolve(Date.now());
  }

  /** Node `from` answers the last question it was asked. */
  answer(from: string, connected: boolean): void {
    const last = this.asked[this.asked.length - 1];
    this.handlers.get('recovery:answer')?.({ a: last.q, connected }, from);
  }
}

describe('NodeQuestions', () => {
  let bus: OneOtherNode;
  let questions: NodeQuestions;

  beforeEach(() => {
    jest.useFakeTimers();
    bus = new OneOtherNode();
    questions = new NodeQuestions(bus, { ready: false } as unknown as SocketServerRef);
    questions.onApplicationBootstrap();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('takes the answer of a live node', async () => {
    const lost = questions.lostBy('x', 'sid-1', Date.now(), 60_000);
    await jest.advanceTimersByTimeAsync(0);
    bus.answer('x', true);
    await expect(lost).resolves.toBe(false);
  });

  it('gives up on a node that does not answer within a second, and asks it nothing more for three seconds', async () => {
    const first = questions.lostBy('x', 'sid-1', Date.now(), 60_000);
    await jest.advanceTimersByTimeAsync(1000);
    await expect(first).resolves.toBe(true);
    expect(bus.asked).toHaveLength(1);

    // Its other sockets' restores go on at once, without a question.
    await expect(questions.lostBy('x', 'sid-2', Date.now(), 60_000)).resolves.toBe(true);
    expect(bus.asked).toHaveLength(1);

    await jest.advanceTimersByTimeAsync(3000);
    const later = questions.lostBy('x', 'sid-3', Date.now(), 60_000);
    await jest.advanceTimersByTimeAsync(0);
    expect(bus.asked).toHaveLength(2);
    bus.answer('x', true);
    await expect(later).resolves.toBe(false);
  });

  it('asks again as soon as the silent node answers anything', async () => {
    const first = questions.lostBy('x', 'sid-1', Date.now(), 60_000);
    await jest.advanceTimersByTimeAsync(1000);
    await expect(first).resolves.toBe(true);
    // A late answer to the timed-out question: the node is back.
    bus.answer('x', false);
    const next = questions.lostBy('x', 'sid-2', Date.now(), 60_000);
    await jest.advanceTimersByTimeAsync(0);
    expect(bus.asked).toHaveLength(2);
    bus.answer('x', true);
    await expect(next).resolves.toBe(false);
  });
});
