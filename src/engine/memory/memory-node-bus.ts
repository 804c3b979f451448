import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { NodeBus } from '../node-bus.js';

/** One node: there is nobody to tell, and only this node is alive. */
@Injectable()
export class MemoryNodeBus extends NodeBus {
  constructor(private readonly config: AppConfig) {
    super();
  }

  toAll(): Promise<void> {
    return Promise.resolve();
  }

  toNode(): Promise<void> {
    return Promise.resolve();
  }

  on(): void {
    // Nothing is ever sent.
  }

  isAlive(nodeId: string): Promise<boolean> {
    return Promise.resolve(nodeId === this.config.nodeId);
  }

  lastSeen(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }
}
