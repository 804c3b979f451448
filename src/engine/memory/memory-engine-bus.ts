import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import { type BusChannel, EngineBus } from '../engine-bus.js';

/** One node: messages stay in the process, and a claim is an entry in a map. */
@Injectable()
export class MemoryEngineBus extends EngineBus {
  private readonly messages = new EventEmitter();
  private readonly claims = new Map<string, number>();

  channelName(channel: BusChannel): string {
    return channel;
  }

  async publish(channel: string, message: string): Promise<void> {
    this.messages.emit('message', channel, message);
  }

  async subscribe(channels: string[], onMessage: (channel: string, message: string) => void): Promise<void> {
    const wanted = new Set(channels);
    this.messages.on('message', (channel: string, message: string) => {
      if (wanted.has(channel)) onMessage(channel, message);
    });
  }

  recycleSubscriber(): void {}

  async claim(id: string, _owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    for (const [key, until] of this.claims) if (until <= now) this.claims.delete(key);
    if (this.claims.has(id)) return false;
    this.claims.set(id, now + ttlMs);
    return true;
  }
}
