import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { ChatService } from '../chat/chat.service.js';
import { DeliveryService } from '../delivery/delivery.service.js';
import { type CallRecord, CallStore } from '../engine/call.store.js';
import { ConnectionStore } from '../engine/connection.store.js';
import { NotificationService } from '../notification/notification.service.js';
import { PresenceVisibility } from '../presence/presence-visibility.js';
import type { Actor } from '../session/actor.js';
import { Rooms } from '../socket/rooms.js';
import type { AnswerCallDto, CallReasonDto, IceCandidateDto, InitiateCallDto } from './dto/call.dto.js';

/** How long a call record may live at all (a stuck active call is forgotten after this). */
const CALL_TTL_MS = 6 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 1000;

/**
 * WebRTC signalling (docs/protocol.md §4.5). Call state is in the store, so the parties may sit on any
 * nodes; every transition is atomic there. The ring timeout is claimed in the store too:
 * a local timer fires it on time, and every node sweeps for calls whose node died.
 */
@Injectable()
export class CallService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CallService.name);
  private sweepFailing = false;
  private sweeper?: NodeJS.Timeout;
  /** Calls whose peer connection lives on a socket of this node (initiating or answering). */
  private readonly bySocket = new Map<string, Set<string>>();

  constructor(
    private readonly config: AppConfig,
    private readonly calls: CallStore,
    private readonly connections: ConnectionStore,
    private readonly delivery: DeliveryService,
    private readonly notifications: NotificationService,
    private readonly visibility: PresenceVisibility,
    private readonly chats: ChatService,
  ) {}

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.expireDue(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  async initiate(actor: Actor, dto: InitiateCallDto): Promise<{ callId: string }> {
    const callerId = actor.userId;
    if (dto.calleeId === callerId) throw new AppError(ErrorCode.VALIDATION_FAILED, 'Cannot call yourself', [{ field: 'calleeId', errors: ['calleeId must be another user'] }]);
    // The chat a call names is shown to the callee and kept in the missed-call notification: only a member may name it.
    if (dto.chatId !== undefined && !(await this.chats.canAccess(actor, dto.chatId))) {
      throw new AppError(ErrorCode.FORBIDDEN, 'You are not a member of that chat');
    }
    // Before anything is looked up, stored or emitted: a stranger's presence is not revealed (docs/protocol.md §4.5).
    if (!(await this.visibility.visibleAmong(callerId, [dto.calleeId])).has(dto.calleeId)) {
      throw new AppError(ErrorCode.FORBIDDEN, 'You may only call friends and members of your chats');
    }
    const online = await this.connections.onlineUsers([dto.calleeId], Date.now());
    if (!online.has(dto.calleeId)) {
      await this.missed(dto.calleeId, callerId, dto.callType, dto.chatId);
      throw new AppError(ErrorCode.USER_OFFLINE, 'The callee is offline');
    }
    const call: CallRecord = {
      callId: randomUUID(),
      callerId,
      calleeId: dto.calleeId,
      callType: dto.callType,
      ...(dto.chatId !== undefined ? { chatId: dto.chatId } : {}),
      state: 'ringing',
      callerSocketId: actor.socketId,
      createdAt: new Date().toISOString(),
      ringDeadline: Date.now() + this.config.callRingTimeoutMs,
    };
    await this.calls.create(call, CALL_TTL_MS, Date.now());
    this.track(actor.socketId, call.callId);
    this.delivery.toRoom(Rooms.user(dto.calleeId), 'call:incoming', {
      callId: call.callId,
      callerId,
      callType: dto.callType,
      ...(dto.sdp !== undefined ? { sdp: dto.sdp } : {}),
      ...(dto.chatId !== undefined ? { chatId: dto.chatId } : {}),
    });
    setTimeout(() => void this.expireDue(), this.config.callRingTimeoutMs + 5).unref();
    return { callId: call.callId };
  }

  async answer(actor: Actor, dto: AnswerCallDto): Promise<{ callId: string }> {
    const call = await this.party(actor, dto.callId);
    if (actor.userId !== call.calleeId) throw new AppError(ErrorCode.FORBIDDEN, 'Only the callee can answer');
    const outcome = await this.calls.answer(dto.callId, actor.socketId, Date.now());
    if (!outcome.answered) throw new AppError(ErrorCode.NOT_FOUND, 'The call is no longer ringing');
    this.track(actor.socketId, dto.callId);
    this.delivery.toRoom(call.callerSocketId, 'call:answer', { callId: dto.callId, ...(dto.sdp !== undefined ? { sdp: dto.sdp } : {}), by: call.calleeId });
    this.delivery.toRooms([Rooms.user(call.calleeId)], [actor.socketId], 'call:end', { callId: dto.callId, reason: 'answered_elsewhere' });
    return { callId: dto.callId };
  }

  async reject(actor: Actor, dto: CallReasonDto): Promise<{ callId: string }> {
    const call = await this.finish(actor, dto.callId);
    this.stopRingingElsewhere(call, actor, 'rejected_elsewhere');
    this.delivery.toRoom(this.otherParty(call, actor.userId), 'call:reject', { callId: dto.callId, ...(dto.reason ? { reason: dto.reason } : {}), by: actor.userId });
    return { callId: dto.callId };
  }

  async end(actor: Actor, dto: CallReasonDto): Promise<{ callId: string }> {
    const call = await this.finish(actor, dto.callId);
    this.stopRingingElsewhere(call, actor, 'ended_elsewhere');
    this.delivery.toRoom(this.otherParty(call, actor.userId), 'call:end', { callId: dto.callId, reason: dto.reason ?? 'ended', by: actor.userId });
    return { callId: dto.callId };
  }

  async iceCandidate(actor: Actor, dto: IceCandidateDto): Promise<{ callId: string }> {
    const call = await this.party(actor, dto.callId);
    this.delivery.toRoom(this.otherParty(call, actor.userId), 'call:ice-candidate', { callId: dto.callId, candidate: dto.candidate, from: actor.userId });
    return { callId: dto.callId };
  }

  /**
   * The socket holding a call's peer connection went away: the call ends and the other party
   * hears `call:end { reason: "disconnected" }` (a callee's ringing devices stop ringing).
   */
  async socketGone(actor: Actor): Promise<void> {
    const callIds = this.bySocket.get(actor.socketId);
    this.bySocket.delete(actor.socketId);
    for (const callId of callIds ?? []) {
      try {
        const call = await this.calls.end(callId, Date.now());
        if (!call) continue;
        const payload = { callId, reason: 'disconnected', by: actor.userId };
        this.delivery.toRooms([this.otherParty(call, actor.userId)], [], 'call:end', payload);
      } catch (err) {
        this.logger.warn({ reason: (err as Error).message }, 'Could not end the call of a departed socket');
      }
    }
  }

  /** Claims every call ringing past its deadline; each is ended by exactly one node. */
  async expireDue(): Promise<void> {
    try {
      for (const call of await this.calls.expireDue(Date.now())) {
        this.delivery.toRooms([call.callerSocketId, Rooms.user(call.calleeId)], [], 'call:end', { callId: call.callId, reason: 'timeout' });
        await this.missed(call.calleeId, call.callerId, call.callType, call.chatId);
      }
      this.sweepFailing = false;
    } catch (err) {
      // Once per streak: while Redis is away the sweep fails every second.
      if (!this.sweepFailing) this.logger.warn({ reason: (err as Error).message }, 'Ring timeout sweep failed (retried every second; logged again once it has succeeded)');
      this.sweepFailing = true;
    }
  }

  private track(socketId: string, callId: string): void {
    let set = this.bySocket.get(socketId);
    if (!set) this.bySocket.set(socketId, (set = new Set()));
    set.add(callId);
  }

  /** The call, if `actor`'s user is one of its two parties. */
  private async party(actor: Actor, callId: string): Promise<CallRecord> {
    const call = await this.calls.get(callId, Date.now());
    if (!call) throw new AppError(ErrorCode.NOT_FOUND, 'Unknown or ended call');
    if (actor.userId !== call.callerId && actor.userId !== call.calleeId) throw new AppError(ErrorCode.FORBIDDEN, 'Not a party to this call');
    return call;
  }

  private async finish(actor: Actor, callId: string): Promise<CallRecord> {
    await this.party(actor, callId);
    const ended = await this.calls.end(callId, Date.now());
    if (!ended) throw new AppError(ErrorCode.NOT_FOUND, 'Unknown or ended call');
    return ended;
  }

  /** A callee who turns a ringing call down on one device stops it ringing on the others. */
  private stopRingingElsewhere(call: CallRecord, actor: Actor, reason: string): void {
    if (call.state !== 'ringing' || actor.userId !== call.calleeId) return;
    this.delivery.toRooms([Rooms.user(call.calleeId)], [actor.socketId], 'call:end', { callId: call.callId, reason });
  }

  /** Where the other party listens: its call socket once known, else all the callee's sockets. */
  private otherParty(call: CallRecord, actorId: string): string {
    if (actorId === call.callerId) return call.answerSocketId ?? Rooms.user(call.calleeId);
    return call.callerSocketId;
  }

  private async missed(calleeId: string, callerId: string, callType: string, chatId?: string): Promise<void> {
    await this.notifications.push({ userId: calleeId }, { type: 'call:missed', data: { callerId, callType, ...(chatId ? { chatId } : {}) } });
  }
}
