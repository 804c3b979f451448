import { Injectable } from '@nestjs/common';
import { type RecoveryRecord, type RecoveryRecordInput, RecoveryStore } from '../recovery.store.js';

interface Held extends RecoveryRecord {
  /** Gone records are dropped past it. */
  until?: number;
}

/**
 * Records in a map. Gone records are also kept in the order they went (a Map re-inserted on
 * every `gone`), so the expired ones are always at its front: pruning never walks live ones.
 */
@Injectable()
export class MemoryRecoveryStore extends RecoveryStore {
  private readonly records = new Map<string, Held>();
  private readonly goneOrder = new Map<string, number>();
  private versions = 0;

  save(pid: string, record: RecoveryRecordInput): Promise<void> {
    this.goneOrder.delete(pid);
    this.records.set(pid, { ...record, rooms: [...record.rooms], state: 'live', version: ++this.versions });
    return Promise.resolve();
  }

  gone(pid: string, node: string, now: number, windowMs: number): Promise<void> {
    this.prune(now);
    const record = this.records.get(pid);
    if (!record || record.node !== node) return Promise.resolve();
    this.records.set(pid, { ...record, state: 'gone', goneAt: now, until: now + windowMs, version: ++this.versions });
    this.goneOrder.delete(pid);
    this.goneOrder.set(pid, now + windowMs);
    return Promise.resolve();
  }

  get(pid: string): Promise<RecoveryRecord | null> {
    this.prune(Date.now());
    const held = this.records.get(pid);
    if (!held) return Promise.resolve(null);
    const { until: _, ...record } = held;
    return Promise.resolve({ ...record, rooms: [...record.rooms] });
  }

  claim(pid: string, version: number, node: string): Promise<boolean> {
    const record = this.records.get(pid);
    if (!record || record.version !== version) return Promise.resolve(false);
    this.goneOrder.delete(pid);
    this.records.set(pid, { ...record, node, state: 'live', goneAt: undefined, until: undefined, version: ++this.versions });
    return Promise.resolve(true);
  }

  remove(pid: string): Promise<void> {
    this.records.delete(pid);
    this.goneOrder.delete(pid);
    return Promise.resolve();
  }

  /** Records held (a spec looks at the bound). */
  get size(): number {
    return this.records.size;
  }

  private prune(now: number): void {
    for (const [pid, until] of this.goneOrder) {
      if (until > now) break;
      this.goneOrder.delete(pid);
      this.records.delete(pid);
    }
  }
}
