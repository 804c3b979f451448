import { randomBytes } from 'node:crypto';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { NodeBus } from '../engine/node-bus.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';

/** How long a live node has to answer whether it still holds a socket. */
const ANSWER_TIMEOUT_MS = 1000;

interface Question {
  q: string;
  sid: string;
  from: string;
}

interface Answer {
  a: string;
  connected: boolean;
}

/**
 * Asks another node whether a socket is still connected there, for a restore that presents the
 * recovery id of a socket whose record says it is live on that node: a crashed node is gone from
 * the bus at once (no question asked), a live one answers, a stuck one is given up on.
 */
@Injectable()
export class NodeQuestions implements OnApplicationBootstrap {
  private readonly waiting = new Map<string, (connected: boolean) => void>();

  constructor(
    private readonly config: AppConfig,
    private readonly bus: NodeBus,
    private readonly sockets: SocketServerRef,
  ) {}

  onApplicationBootstrap(): void {
    this.bus.onMessage((message) => this.onMessage(message));
  }

  /**
   * True when `nodeId` no longer holds socket `sid`: it is gone (and was last seen within
   * `windowMs`), or it says so, or it does not answer in time.
   */
  async lostBy(nodeId: string, sid: string, now: number, windowMs: number): Promise<boolean> {
    if (!(await this.bus.isAlive(nodeId, now))) {
      const seen = await this.bus.lastSeen(nodeId);
      return seen !== undefined && now - seen <= windowMs;
    }
    const q = randomBytes(8).toString('hex');
    const answer = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(q);
        resolve(false);
      }, ANSWER_TIMEOUT_MS);
      this.waiting.set(q, (connected) => {
        clearTimeout(timer);
        this.waiting.delete(q);
        resolve(connected);
      });
    });
    const question: Question = { q, sid, from: this.config.nodeId };
    await this.bus.toNode(nodeId, `Q${JSON.stringify(question)}`);
    return !(await answer);
  }

  private onMessage(message: string): void {
    if (message[0] === 'Q') {
      const question = parse<Question>(message);
      if (!question || typeof question.sid !== 'string' || typeof question.from !== 'string') return;
      const connected = this.sockets.ready && this.sockets.io.sockets.sockets.has(question.sid);
      const answer: Answer = { a: question.q, connected };
      void this.bus.toNode(question.from, `A${JSON.stringify(answer)}`).catch(() => undefined);
    } else if (message[0] === 'A') {
      const answer = parse<Answer>(message);
      if (answer) this.waiting.get(answer.a)?.(answer.connected === true);
    }
  }
}

function parse<T>(message: string): T | undefined {
  try {
    return JSON.parse(message.slice(1)) as T;
  } catch {
    return undefined;
  }
}
