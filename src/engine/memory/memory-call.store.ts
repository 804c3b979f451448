import { Injectable } from '@nestjs/common';
import { type AnswerOutcome, type CallRecord, CallStore } from '../call.store.js';

@Injectable()
export class MemoryCallStore extends CallStore {
  private readonly calls = new Map<string, { call: CallRecord; until: number }>();

  private live(callId: string, now: number): CallRecord | undefined {
    const e = this.calls.get(callId);
    if (e && e.until <= now) this.calls.delete(callId);
    return e && e.until > now ? e.call : undefined;
  }

  async create(call: CallRecord, ttlMs: number, now: number): Promise<void> {
    this.calls.set(call.callId, { call: { ...call }, until: now + ttlMs });
  }

  async get(callId: string, now: number): Promise<CallRecord | undefined> {
    const c = this.live(callId, now);
    return c && { ...c };
  }

  async answer(callId: string, socketId: string, now: number): Promise<AnswerOutcome> {
    const c = this.live(callId, now);
    if (!c) return { answered: false, reason: 'not_found' };
    if (c.state !== 'ringing') return { answered: false, reason: 'not_ringing' };
    c.state = 'active';
    c.answerSocketId = socketId;
    return { answered: { ...c } };
  }

  async end(callId: string, now: number): Promise<CallRecord | undefined> {
    const c = this.live(callId, now);
    this.calls.delete(callId);
    return c && { ...c };
  }

  async expireDue(now: number): Promise<CallRecord[]> {
    const due = [...this.calls.values()].filter((e) => e.call.state === 'ringing' && e.call.ringDeadline <= now).map((e) => e.call);
    for (const c of due) this.calls.delete(c.callId);
    return due.map((c) => ({ ...c }));
  }
}
