import { randomBytes } from 'node:crypto';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { NodeBus } from '../engine/node-bus.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';

/** How long a live node has to answer whether it still holds a socket. */
const ANSWER_TIMEOUT_MS = 1000;
/**
 * After a node let a question time out, its other questions are not asked for this long (they
 * count as unanswered at once): a node SIGKILLed a moment ago still looks alive until its
 * heartbeat lapses, and thousands of its clients reconnecting must not each wait a second.
 */
const SILENT_FOR_MS = 3000;

interface Question {
  q: string;
  sid: string;
}

interface Answer {
  a: string;
  connected: boolean;
}

declare module '../engine/node-bus.js' {
  interface NodeTopics {
    'recovery:question': Question;
    'recovery:answer': Answer;
  }
}

/**
 * Asks another node whether a socket is still connected there, for a restore that presents the
 * recovery id of a socket whose record says it is live on that node: a crashed node is gone from
 * the bus at once (no question asked), a live one answers, a stuck one is given up on.
 */
@Injectable()
export class NodeQuestions implements OnApplicationBootstrap {
  private readonly waiting = new Map<string, (connected: boolean) => void>();
  /** Node → until when it counts as not answering (it let a question time out). */
  private readonly silent = new Map<string, number>();

  constructor(
    private readonly bus: NodeBus,
    private readonly sockets: SocketServerRef,
  ) {}

  onApplicationBootstrap(): void {
    this.bus.on('recovery:question', (question, from) => {
      if (typeof question?.sid !== 'string' || typeof question.q !== 'string') return;
      const connected = this.sockets.ready && this.sockets.io.sockets.sockets.has(question.sid);
      void this.bus.toNode(from, 'recovery:answer', { a: question.q, connected }).catch(() => undefined);
    });
    this.bus.on('recovery:answer', (answer, from) => {
      this.silent.delete(from);
      if (typeof answer?.a === 'string') this.waiting.get(answer.a)?.(answer.connected === true);
    });
  }

  /**
   * True when `nodeId` no longer holds socket `sid`: it is gone (and was last seen within
   * `windowMs`), or it says so, or it does not answer in time (or let another question time out
   * within SILENT_FOR_MS).
   */
  async lostBy(nodeId: string, sid: string, now: number, windowMs: number): Promise<boolean> {
    if (!(await this.bus.isAlive(nodeId, now))) {
      const seen = await this.bus.lastSeen(nodeId);
      return seen !== undefined && now - seen <= windowMs;
    }
    const silentUntil = this.silent.get(nodeId);
    if (silentUntil !== undefined) {
      if (Date.now() < silentUntil) return true;
      this.silent.delete(nodeId);
    }
    const q = randomBytes(8).toString('hex');
    const answer = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(q);
        this.silent.set(nodeId, Date.now() + SILENT_FOR_MS);
        resolve(false);
      }, ANSWER_TIMEOUT_MS);
      this.waiting.set(q, (connected) => {
        clearTimeout(timer);
        this.waiting.delete(q);
        resolve(connected);
      });
    });
    await this.bus.toNode(nodeId, 'recovery:question', { q, sid });
    return !(await answer);
  }
}
