import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Env } from '../../src/config/load-config.js';
import { type AckBody, type ClientSocket, ack as ackOn, closeAllClients, collect, connectUser, nextEvent, nextMatching } from '../support/client.js';
import { type TestApp, TEST_INTERNAL_SECRET, redisEnv, startApp, uniquePrefix, userToken, useApp, fresh } from '../support/app.js';
import type { CallEnded, IceCandidate, IncomingCall, Notification } from '../../src/socket/events.js';
import { barrier as pushBarrier } from '../support/backend.js';

// docs/protocol.md §4.5 (calls), §4.6 (call:missed is a notification), §4.9 (call:initiate: 5 per 60 s).

type Incoming = IncomingCall;
type CallEnd = CallEnded;
type Relay = IceCandidate;


/** Every call event a socket can receive, recorded from the moment it connected. */
interface Tab {
  socket: ClientSocket;
  userId: string;
  incoming: Incoming[];
  answers: Array<{ callId: string; sdp?: unknown; by: string }>;
  ends: CallEnd[];
  rejects: Array<{ callId: string; reason?: string; by: string }>;
  ice: Relay[];
  notifications: Notification[];
}

const CALL_EVENTS = ['incoming', 'answers', 'ends', 'rejects', 'ice', 'notifications'] as const;

/**
 * Calls are allowed only between users who may see each other (docs/protocol.md §4.5): every user of this
 * file shares one chat, so any two of them may call.
 */
const CIRCLE = `calls-circle-${process.pid}-${randomUUID().slice(0, 8)}`;

async function acquaint(app: TestApp, userId: string): Promise<void> {
  await request(app.app.getHttpServer())
    .post(`/internal/chats/${CIRCLE}/members`)
    .set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`)
    .send({ userIds: [userId] })
    .expect(200);
}

async function open(app: TestApp, userId: string): Promise<Tab> {
  await acquaint(app, userId);
  const socket = await connectUser(app.url, userToken(userId));
  return {
    socket,
    userId,
    incoming: collect<Incoming>(socket, 'call:incoming'),
    answers: collect(socket, 'call:answer'),
    ends: collect<CallEnd>(socket, 'call:end'),
    rejects: collect(socket, 'call:reject'),
    ice: collect<Relay>(socket, 'call:ice-candidate'),
    notifications: collect<Notification>(socket, 'notification:new'),
  };
}

function ack<T = unknown>(tab: Tab, event: string, payload?: unknown): Promise<AckBody<T>> {
  return ackOn<T>(tab.socket, event, payload);
}

/** Resolves with the first `event` payload that `accept` likes (listener registered now). */
function waitFor<T>(tab: Tab, event: string, accept: (payload: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return nextMatching<T>(tab.socket, event, accept, timeoutMs);
}

const forCall =
  (callId: string) =>
  (p: { callId: string }): boolean =>
    p.callId === callId;

/** Starts a call from `caller` to `calleeId` and returns its id (asserting the ok ack). */
async function initiate(caller: Tab, calleeId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await ack<{ callId: string }>(caller, 'call:initiate', { calleeId, callType: 'audio', ...extra });
  expect(res).toEqual({ ok: true, data: { callId: expect.any(String) } });
  return res.data!.callId;
}

/**
 * "Nothing more will arrive": pushes a fresh event to every user of `tabs` through the
 * adapter after everything under test was emitted, and waits until each socket got it.
 * Anything wrongly broadcast earlier travels the same adapter stream and so arrives first.
 */
function barrier(app: TestApp, tabs: Tab[]): Promise<void> {
  return pushBarrier(app, tabs.map((t) => t.userId), tabs.map((t) => t.socket));
}

/** Asserts that none of `tabs` received any call event or notification about `callId`. */
function expectUntouched(callId: string, ...tabs: Tab[]): void {
  for (const tab of tabs) {
    for (const kind of CALL_EVENTS) {
      const about = (tab[kind] as Array<{ callId?: string; data?: Record<string, unknown> }>).filter((p) => p.callId === callId);
      expect({ user: tab.userId, socket: tab.socket.id, kind, about }).toEqual({ user: tab.userId, socket: tab.socket.id, kind, about: [] });
    }
  }
}

function about<T extends { callId: string }>(list: T[], callId: string): T[] {
  return list.filter((p) => p.callId === callId);
}

function missed(tab: Tab, callerId: string): Notification[] {
  return tab.notifications.filter((n) => n.type === 'call:missed' && n.data?.callerId === callerId);
}

async function pending(tab: Tab): Promise<Notification[]> {
  const res = await ack<{ notifications: Notification[] }>(tab, 'notification:get-pending');
  expect(res.ok).toBe(true);
  return res.data!.notifications;
}

function expectError(res: AckBody, code: string): void {
  expect(res).toEqual({ ok: false, error: expect.objectContaining({ code, message: expect.any(String) }) });
}

function fields(res: AckBody): string[] {
  const details = res.error?.details;
  return Array.isArray(details) ? details.map((d: { field?: string }) => d.field ?? '') : [];
}

async function startNodes(count: number, env: Env): Promise<TestApp[]> {
  const apps: TestApp[] = [];
  try {
    for (let i = 0; i < count; i += 1) apps.push(await startApp(env));
    return apps;
  } catch (err) {
    await Promise.all(apps.map((a) => a.close()));
    throw err;
  }
}

const SDP_OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n', extra: { nested: [1, { deep: true }] } };
const SDP_ANSWER = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };
const CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 };

describe('calls across two nodes on one Redis (docs/protocol.md §4.5)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    [a, b] = await startNodes(2, redisEnv(uniquePrefix('calls')));
  });
  afterAll(async () => {
    closeAllClients();
    await Promise.all([a?.close(), b?.close()]);
  });
  afterEach(() => closeAllClients());

  /** Caller with its initiating tab on A and another tab on B; callee with tabs on B and A. */
  async function parties() {
    const [callerId, calleeId] = [fresh('caller'), fresh('callee')];
    const caller = await open(a, callerId);
    const callerOther = await open(b, callerId);
    const calleeB = await open(b, calleeId);
    const calleeA = await open(a, calleeId);
    return { callerId, calleeId, caller, callerOther, calleeB, calleeA, all: [caller, callerOther, calleeB, calleeA] };
  }

  it('call:initiate acks the callId and rings every socket of the callee on every node with the exact payload', async () => {
    const p = await parties();
    const rings = [waitFor<Incoming>(p.calleeB, 'call:incoming'), waitFor<Incoming>(p.calleeA, 'call:incoming')];
    const callId = await initiate(p.caller, p.calleeId, { callType: 'video', sdp: SDP_OFFER, chatId: CIRCLE });
    expect(callId.length).toBeGreaterThan(0);

    const expected = { callId, callerId: p.callerId, callType: 'video', sdp: SDP_OFFER, chatId: CIRCLE };
    for (const got of await Promise.all(rings)) expect(got).toStrictEqual(expected);

    // Without the optional fields the payload has no sdp/chatId keys; each call has its own id.
    const rings2 = [waitFor<Incoming>(p.calleeB, 'call:incoming', (c) => c.callId !== callId), waitFor<Incoming>(p.calleeA, 'call:incoming', (c) => c.callId !== callId)];
    const callId2 = await initiate(p.caller, p.calleeId);
    expect(callId2).not.toBe(callId);
    for (const got of await Promise.all(rings2)) expect(got).toStrictEqual({ callId: callId2, callerId: p.callerId, callType: 'audio' });

    await barrier(b, p.all);
    // Rung exactly once per callee socket; the caller's own sockets never ring.
    expect(p.calleeB.incoming.map((c) => c.callId)).toEqual([callId, callId2]);
    expect(p.calleeA.incoming.map((c) => c.callId)).toEqual([callId, callId2]);
    expect(p.caller.incoming).toEqual([]);
    expect(p.callerOther.incoming).toEqual([]);
  });

  it('call:answer reaches only the caller\'s initiating socket; the callee\'s other sockets get answered_elsewhere; a second answer is NOT_FOUND', async () => {
    const p = await parties();
    const callId = await initiate(p.caller, p.calleeId, { sdp: SDP_OFFER });

    const answered = waitFor(p.caller, 'call:answer', forCall(callId));
    const elsewhere = waitFor<CallEnd>(p.calleeA, 'call:end', forCall(callId));
    expect(await ack(p.calleeB, 'call:answer', { callId, sdp: SDP_ANSWER })).toEqual({ ok: true, data: { callId } });
    expect(await answered).toStrictEqual({ callId, sdp: SDP_ANSWER, by: p.calleeId });
    expect(await elsewhere).toStrictEqual({ callId, reason: 'answered_elsewhere' });

    // The other device (or the same one) answering after that: the call is no longer ringing.
    expectError(await ack(p.calleeA, 'call:answer', { callId }), 'NOT_FOUND');
    expectError(await ack(p.calleeB, 'call:answer', { callId }), 'NOT_FOUND');

    await barrier(a, p.all);
    expect(p.caller.answers).toHaveLength(1);
    expect(p.callerOther.answers).toEqual([]);
    expect(p.calleeA.answers).toEqual([]);
    expect(p.calleeB.answers).toEqual([]);
    expect(p.calleeA.ends).toHaveLength(1);
    expect(p.calleeB.ends).toEqual([]);
    expect(p.caller.ends).toEqual([]);
    expect(p.callerOther.ends).toEqual([]);
  });

  it('call:answer without sdp relays no sdp key', async () => {
    const p = await parties();
    const callId = await initiate(p.caller, p.calleeId);
    const answered = waitFor(p.caller, 'call:answer', forCall(callId));
    expect(await ack(p.calleeA, 'call:answer', { callId })).toEqual({ ok: true, data: { callId } });
    expect(await answered).toStrictEqual({ callId, by: p.calleeId });
  });

  it('ICE candidates: before answer to every callee socket; after answer only between the two call sockets', async () => {
    const p = await parties();
    const callId = await initiate(p.caller, p.calleeId);

    // Ringing: the caller's candidates reach all the callee's devices.
    const ringing = [waitFor<Relay>(p.calleeB, 'call:ice-candidate', forCall(callId)), waitFor<Relay>(p.calleeA, 'call:ice-candidate', forCall(callId))];
    expect(await ack(p.caller, 'call:ice-candidate', { callId, candidate: CANDIDATE })).toEqual({ ok: true, data: { callId } });
    for (const got of await Promise.all(ringing)) expect(got).toStrictEqual({ callId, candidate: CANDIDATE, from: p.callerId });

    // Ringing: the callee's candidates reach only the caller's initiating socket.
    const early = { candidate: 'candidate:early', sdpMid: '0' };
    const toCaller = waitFor<Relay>(p.caller, 'call:ice-candidate', (r) => r.candidate.candidate === 'candidate:early');
    expect(await ack(p.calleeA, 'call:ice-candidate', { callId, candidate: early })).toEqual({ ok: true, data: { callId } });
    expect(await toCaller).toStrictEqual({ callId, candidate: early, from: p.calleeId });

    await ack(p.calleeB, 'call:answer', { callId });
    await barrier(a, p.all);
    const before = p.all.map((t) => t.ice.length);

    // Answered on calleeB: caller → calleeB only.
    const late = { candidate: 'candidate:late', sdpMid: '1', sdpMLineIndex: 1 };
    const toAnswerer = waitFor<Relay>(p.calleeB, 'call:ice-candidate', (r) => r.candidate.candidate === 'candidate:late');
    expect(await ack(p.caller, 'call:ice-candidate', { callId, candidate: late })).toEqual({ ok: true, data: { callId } });
    expect(await toAnswerer).toStrictEqual({ callId, candidate: late, from: p.callerId });

    // calleeB → the caller's initiating socket only.
    const back = { candidate: 'candidate:back', sdpMid: '1' };
    const toInitiator = waitFor<Relay>(p.caller, 'call:ice-candidate', (r) => r.candidate.candidate === 'candidate:back');
    expect(await ack(p.calleeB, 'call:ice-candidate', { callId, candidate: back })).toEqual({ ok: true, data: { callId } });
    expect(await toInitiator).toStrictEqual({ callId, candidate: back, from: p.calleeId });

    await barrier(b, p.all);
    const gained = p.all.map((t, i) => t.ice.slice(before[i]).map((r) => r.candidate.candidate));
    // [caller, callerOther, calleeB, calleeA]
    expect(gained).toEqual([['candidate:back'], [], ['candidate:late'], []]);
    // Before the answer: callerOther never saw the callee's candidate; nobody saw their own.
    expect(p.callerOther.ice).toEqual([]);
    expect(p.caller.ice.map((r) => r.candidate.candidate)).toEqual(['candidate:early', 'candidate:back']);
  });

  it('call:end after answer reaches only the answering socket (default reason "ended"), then the call is gone', async () => {
    const p = await parties();
    const callId = await initiate(p.caller, p.calleeId);
    await ack(p.calleeB, 'call:answer', { callId });

    const ended = waitFor<CallEnd>(p.calleeB, 'call:end', forCall(callId));
    expect(await ack(p.caller, 'call:end', { callId })).toEqual({ ok: true, data: { callId } });
    expect(await ended).toStrictEqual({ callId, reason: 'ended', by: p.callerId });

    // Every action on the ended call, by either party, is NOT_FOUND.
    for (const [tab, event, payload] of [
      [p.calleeB, 'call:answer', { callId }],
      [p.calleeB, 'call:reject', { callId }],
      [p.calleeB, 'call:end', { callId }],
      [p.calleeB, 'call:ice-candidate', { callId, candidate: CANDIDATE }],
      [p.caller, 'call:end', { callId }],
      [p.caller, 'call:reject', { callId }],
      [p.caller, 'call:ice-candidate', { callId, candidate: CANDIDATE }],
    ] as Array<[Tab, string, object]>) {
      expectError(await ack(tab, event, payload), 'NOT_FOUND');
    }

    await barrier(a, p.all);
    expect(about(p.calleeB.ends, callId)).toEqual([{ callId, reason: 'ended', by: p.callerId }]);
    // calleeA only ever had answered_elsewhere; the caller's sockets got no call:end at all.
    expect(about(p.calleeA.ends, callId)).toEqual([{ callId, reason: 'answered_elsewhere' }]);
    expect(p.caller.ends).toEqual([]);
    expect(p.callerOther.ends).toEqual([]);
    expect(p.all.flatMap((t) => t.rejects)).toEqual([]);
  });

  it('call:end by the callee after answer reaches only the caller\'s initiating socket with its reason', async () => {
    const p = await parties();
    const callId = await initiate(p.caller, p.calleeId);
    await ack(p.calleeA, 'call:answer', { callId });

    const ended = waitFor<CallEnd>(p.caller, 'call:end', forCall(callId));
    expect(await ack(p.calleeA, 'call:end', { callId, reason: 'hangup' })).toEqual({ ok: true, data: { callId } });
    expect(await ended).toStrictEqual({ callId, reason: 'hangup', by: p.calleeId });
    expectError(await ack(p.caller, 'call:end', { callId }), 'NOT_FOUND');

    await barrier(b, p.all);
    expect(p.caller.ends).toHaveLength(1);
    expect(p.callerOther.ends).toEqual([]);
    expect(p.calleeA.ends).toEqual([]);
    expect(about(p.calleeB.ends, callId)).toEqual([{ callId, reason: 'answered_elsewhere' }]);
  });

  it('call:end before answer reaches every callee socket; the call can then not be answered', async () => {
    const p = await parties();
    const callId = await initiate(p.caller, p.calleeId);
    const ends = [waitFor<CallEnd>(p.calleeB, 'call:end', forCall(callId)), waitFor<CallEnd>(p.calleeA, 'call:end', forCall(callId))];
    expect(await ack(p.caller, 'call:end', { callId, reason: 'cancelled' })).toEqual({ ok: true, data: { callId } });
    for (const got of await Promise.all(ends)) expect(got).toStrictEqual({ callId, reason: 'cancelled', by: p.callerId });

    expectError(await ack(p.calleeB, 'call:answer', { callId }), 'NOT_FOUND');
    await barrier(a, p.all);
    expect(p.calleeB.ends).toHaveLength(1);
    expect(p.calleeA.ends).toHaveLength(1);
    expect(p.caller.ends).toEqual([]);
    expect(p.callerOther.ends).toEqual([]);
    expect(p.caller.answers).toEqual([]);
  });

  it('call:reject by the callee reaches the caller\'s initiating socket with reason and by; the call is gone', async () => {
    const p = await parties();
    const callId = await initiate(p.caller, p.calleeId);
    const rejected = waitFor(p.caller, 'call:reject', forCall(callId));
    expect(await ack(p.calleeB, 'call:reject', { callId, reason: 'busy' })).toEqual({ ok: true, data: { callId } });
    expect(await rejected).toStrictEqual({ callId, reason: 'busy', by: p.calleeId });

    expectError(await ack(p.calleeA, 'call:answer', { callId }), 'NOT_FOUND');
    expectError(await ack(p.calleeB, 'call:reject', { callId }), 'NOT_FOUND');
    expectError(await ack(p.caller, 'call:end', { callId }), 'NOT_FOUND');

    await barrier(b, p.all);
    expect(p.caller.rejects).toHaveLength(1);
    expect(p.callerOther.rejects).toEqual([]);
    expect(p.calleeA.rejects).toEqual([]);
    expect(p.calleeB.rejects).toEqual([]);
    expect(p.caller.answers).toEqual([]);
  });

  it('call:reject by the caller (no reason) reaches every callee socket without a reason key', async () => {
    const p = await parties();
    const callId = await initiate(p.caller, p.calleeId);
    const rejects = [waitFor(p.calleeB, 'call:reject', forCall(callId)), waitFor(p.calleeA, 'call:reject', forCall(callId))];
    expect(await ack(p.caller, 'call:reject', { callId })).toEqual({ ok: true, data: { callId } });
    for (const got of await Promise.all(rejects)) expect(got).toStrictEqual({ callId, by: p.callerId });
    expectError(await ack(p.calleeA, 'call:answer', { callId }), 'NOT_FOUND');
  });

  it('only the two parties may act: a third user gets FORBIDDEN on every action, receives nothing, and the call survives', async () => {
    const p = await parties();
    const intruderId = fresh('intruder');
    const intruder = await open(b, intruderId);
    const intruderA = await open(a, intruderId);
    const callId = await initiate(p.caller, p.calleeId);

    const attempts: Array<[string, object]> = [
      ['call:answer', { callId, sdp: SDP_ANSWER }],
      ['call:reject', { callId, reason: 'nope' }],
      ['call:end', { callId }],
      ['call:ice-candidate', { callId, candidate: CANDIDATE }],
    ];
    for (const [event, payload] of attempts) expectError(await ack(intruder, event, payload), 'FORBIDDEN');
    // The caller cannot answer its own call.
    expectError(await ack(p.caller, 'call:answer', { callId }), 'FORBIDDEN');
    expectError(await ack(p.callerOther, 'call:answer', { callId }), 'FORBIDDEN');

    // None of that ended or answered the call: the callee can still answer it.
    const answered = waitFor(p.caller, 'call:answer', forCall(callId));
    expect(await ack(p.calleeB, 'call:answer', { callId })).toEqual({ ok: true, data: { callId } });
    await answered;

    for (const [event, payload] of attempts) expectError(await ack(intruderA, event, payload), 'FORBIDDEN');
    // Still alive after the intruder's end: the parties can keep signalling.
    const relayed = waitFor<Relay>(p.calleeB, 'call:ice-candidate', forCall(callId));
    expect(await ack(p.caller, 'call:ice-candidate', { callId, candidate: CANDIDATE })).toEqual({ ok: true, data: { callId } });
    await relayed;

    await barrier(a, [...p.all, intruder, intruderA]);
    expectUntouched(callId, intruder, intruderA);
    expect(p.caller.answers).toHaveLength(1);
    expect(p.all.flatMap((t) => t.rejects)).toEqual([]);
    expect(p.calleeB.ends).toEqual([]);
  });

  it('unknown call ids ack NOT_FOUND on every action', async () => {
    const u = await open(a, fresh('lost'));
    const callId = `no-such-call-${randomUUID()}`;
    for (const [event, payload] of [
      ['call:answer', { callId }],
      ['call:reject', { callId }],
      ['call:end', { callId, reason: 'x' }],
      ['call:ice-candidate', { callId, candidate: CANDIDATE }],
    ] as Array<[string, object]>) {
      expectError(await ack(u, event, payload), 'NOT_FOUND');
    }
  });

  it.each<[string, (self: string, callee: string) => object, string]>([
    ['calling yourself', (self) => ({ calleeId: self, callType: 'audio' }), 'calleeId'],
    ['callType not audio|video', (_s, callee) => ({ calleeId: callee, callType: 'screen' }), 'callType'],
    ['callType missing', (_s, callee) => ({ calleeId: callee }), 'callType'],
    ['sdp a string', (_s, callee) => ({ calleeId: callee, callType: 'video', sdp: 'v=0' }), 'sdp'],
    ['sdp an array', (_s, callee) => ({ calleeId: callee, callType: 'video', sdp: [{ type: 'offer' }] }), 'sdp'],
    ['sdp null', (_s, callee) => ({ calleeId: callee, callType: 'video', sdp: null }), 'sdp'],
    ['calleeId missing', () => ({ callType: 'audio' }), 'calleeId'],
    ['calleeId empty', () => ({ calleeId: '', callType: 'audio' }), 'calleeId'],
    ['chatId a number', (_s, callee) => ({ calleeId: callee, callType: 'audio', chatId: 7 }), 'chatId'],
    ['chatId null', (_s, callee) => ({ calleeId: callee, callType: 'audio', chatId: null }), 'chatId'],
  ])('call:initiate with %s → VALIDATION_FAILED naming the field, and nobody rings', async (_name, payload, field) => {
    const [callerId, calleeId] = [fresh('v-caller'), fresh('v-callee')];
    const caller = await open(a, callerId);
    const callee = await open(b, calleeId);
    const res = await ack(caller, 'call:initiate', payload(callerId, calleeId));
    expectError(res, 'VALIDATION_FAILED');
    expect(fields(res)).toContain(field);
    await barrier(a, [caller, callee]);
    expect(caller.incoming).toEqual([]);
    expect(callee.incoming).toEqual([]);
    expect(caller.notifications).toEqual([]);
    expect(callee.notifications).toEqual([]);
  });

  it.each<[string, string, (callId: string) => object, string]>([
    ['call:answer', 'sdp a string', (callId) => ({ callId, sdp: 'v=0' }), 'sdp'],
    ['call:answer', 'sdp null', (callId) => ({ callId, sdp: null }), 'sdp'],
    ['call:answer', 'callId missing', () => ({}), 'callId'],
    ['call:ice-candidate', 'candidate missing', (callId) => ({ callId }), 'candidate'],
    ['call:ice-candidate', 'candidate a string', (callId) => ({ callId, candidate: 'candidate:1' }), 'candidate'],
    ['call:reject', 'reason a number', (callId) => ({ callId, reason: 5 }), 'reason'],
    ['call:end', 'reason null', (callId) => ({ callId, reason: null }), 'reason'],
    ['call:end', 'callId a number', () => ({ callId: 5 }), 'callId'],
  ])('%s with %s → VALIDATION_FAILED and the call is untouched', async (event, _name, payload, field) => {
    const p = await parties();
    const callId = await initiate(p.caller, p.calleeId);
    const actor = event === 'call:end' ? p.caller : p.calleeB;
    const res = await ack(actor, event, payload(callId));
    expectError(res, 'VALIDATION_FAILED');
    expect(fields(res)).toContain(field);
    // Still ringing: a valid answer works.
    expect(await ack(p.calleeB, 'call:answer', { callId })).toEqual({ ok: true, data: { callId } });
  });

  it('callee offline: USER_OFFLINE, nobody rings, and the callee finds a call:missed notification pending on connect', async () => {
    const [callerId, calleeId] = [fresh('caller'), fresh('offline')];
    await acquaint(a, calleeId);
    const caller = await open(a, callerId);
    expectError(await ack(caller, 'call:initiate', { calleeId, callType: 'video', chatId: CIRCLE, sdp: SDP_OFFER }), 'USER_OFFLINE');
    expectError(await ack(caller, 'call:initiate', { calleeId, callType: 'audio' }), 'USER_OFFLINE');

    const callee = await open(b, calleeId);
    const list = await pending(callee);
    // Newest first.
    expect(list).toEqual([
      { id: expect.any(String), type: 'call:missed', data: { callerId, callType: 'audio' }, createdAt: expect.any(String) },
      { id: expect.any(String), type: 'call:missed', data: { callerId, callType: 'video', chatId: CIRCLE }, createdAt: expect.any(String) },
    ]);
    expect(list[0].data).toStrictEqual({ callerId, callType: 'audio' });
    await barrier(a, [callee, caller]);
    expect(callee.incoming).toEqual([]);
    // The caller is not notified of its own missed call.
    expect(await pending(caller)).toEqual([]);
  });

  it('rate limit: the 6th call:initiate within 60 s, from any socket on any node, acks RATE_LIMITED with retryAfterMs and rings nobody', async () => {
    const [callerId, calleeId] = [fresh('spammer'), fresh('target')];
    const onA = await open(a, callerId);
    const onB = await open(b, callerId);
    const callee = await open(b, calleeId);

    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await initiate(i % 2 === 0 ? onA : onB, calleeId));
    const limited = await ack(onB, 'call:initiate', { calleeId, callType: 'audio' });
    expect(limited).toEqual({ ok: false, error: { code: 'RATE_LIMITED', message: expect.any(String), details: { retryAfterMs: expect.any(Number) } } });
    const retryAfterMs = (limited.error!.details as { retryAfterMs: number }).retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    expectError(await ack(onA, 'call:initiate', { calleeId, callType: 'video' }), 'RATE_LIMITED');

    // The budget is per user: someone else can still call the same callee.
    const other = await open(a, fresh('other-caller'));
    const otherId = await initiate(other, calleeId);

    await barrier(a, [callee, onA, onB]);
    expect(callee.incoming.map((c) => c.callId)).toEqual([...ids, otherId]);
  });
});

describe('ring timeout on three nodes sharing one Redis (CALL_RING_TIMEOUT_MS=1000)', () => {
  let nodes: TestApp[];

  beforeAll(async () => {
    nodes = await startNodes(3, { ...redisEnv(uniquePrefix('calls-ring')), CALL_RING_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    closeAllClients();
    await Promise.all((nodes ?? []).map((n) => n.close()));
  });
  afterEach(() => closeAllClients());

  /** Times a later call out between fresh users: by then every node has swept past `callId`'s deadline. */
  async function laterTimeout(): Promise<void> {
    const caller = await open(nodes[2], fresh('later-caller'));
    const callee = await open(nodes[1], fresh('later-callee'));
    const callId = await initiate(caller, callee.userId);
    await Promise.all([
      waitFor<CallEnd>(caller, 'call:end', forCall(callId), 5000),
      waitFor<CallEnd>(callee, 'call:end', forCall(callId), 5000),
    ]);
  }

  it('an unanswered call ends with reason "timeout" exactly once on every socket, and the callee gets one call:missed', async () => {
    const [t1, t2, t3] = nodes;
    const callerId = fresh('ring-caller');
    const calleeId = fresh('ring-callee');
    const caller = await open(t1, callerId);
    const callerOther = await open(t3, callerId);
    const callees = [await open(t2, calleeId), await open(t3, calleeId), await open(t1, calleeId)];

    const started = Date.now();
    const callId = await initiate(caller, calleeId, { callType: 'video', chatId: CIRCLE });
    const firstEnds = [caller, ...callees].map((t) => waitFor<CallEnd>(t, 'call:end', forCall(callId), 5000));
    const firstMissed = callees.map((t) => waitFor<Notification>(t, 'notification:new', (n) => n.type === 'call:missed' && n.data?.callerId === callerId, 5000));
    for (const got of await Promise.all(firstEnds)) expect(got).toStrictEqual({ callId, reason: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    for (const n of await Promise.all(firstMissed)) {
      expect(n).toEqual({ id: expect.any(String), type: 'call:missed', data: { callerId, callType: 'video', chatId: CIRCLE }, createdAt: expect.any(String) });
    }

    // Wait out every node's sweep past the deadline, then flush the adapter stream to everyone.
    await laterTimeout();
    await barrier(t2, [caller, callerOther, ...callees]);

    for (const tab of [caller, ...callees]) expect(about(tab.ends, callId)).toEqual([{ callId, reason: 'timeout' }]);
    for (const tab of callees) expect(missed(tab, callerId)).toHaveLength(1);
    expect(new Set(callees.map((t) => missed(t, callerId)[0].id)).size).toBe(1);
    // Only the initiating socket of the caller hears about it; the caller gets no notification.
    expectUntouched(callId, callerOther);
    expect(caller.notifications).toEqual([]);
    expect(callerOther.notifications).toEqual([]);
    // Stored once, and the call is gone.
    expect((await pending(callees[0])).filter((n) => n.type === 'call:missed')).toHaveLength(1);
    expectError(await ack(callees[0], 'call:answer', { callId }), 'NOT_FOUND');
    expectError(await ack(caller, 'call:end', { callId }), 'NOT_FOUND');
  });

  it('an answered call never times out', async () => {
    const [t1, t2, t3] = nodes;
    const callerId = fresh('kept-caller');
    const calleeId = fresh('kept-callee');
    const caller = await open(t1, callerId);
    const answerer = await open(t2, calleeId);
    const otherDevice = await open(t3, calleeId);

    const callId = await initiate(caller, calleeId);
    const answered = waitFor(caller, 'call:answer', forCall(callId));
    expect(await ack(answerer, 'call:answer', { callId })).toEqual({ ok: true, data: { callId } });
    await answered;

    // A call started after this one has timed out, so this one's deadline has long passed.
    await laterTimeout();
    await barrier(t3, [caller, answerer, otherDevice]);

    expect(about(caller.ends, callId)).toEqual([]);
    expect(about(answerer.ends, callId)).toEqual([]);
    expect(about(otherDevice.ends, callId)).toEqual([{ callId, reason: 'answered_elsewhere' }]);
    expect(missed(answerer, callerId)).toEqual([]);
    expect(await pending(answerer)).toEqual([]);

    // Still live: signalling and a normal end work.
    const relayed = waitFor<Relay>(answerer, 'call:ice-candidate', forCall(callId));
    expect(await ack(caller, 'call:ice-candidate', { callId, candidate: CANDIDATE })).toEqual({ ok: true, data: { callId } });
    await relayed;
    const ended = waitFor<CallEnd>(answerer, 'call:end', forCall(callId));
    expect(await ack(caller, 'call:end', { callId })).toEqual({ ok: true, data: { callId } });
    expect(await ended).toStrictEqual({ callId, reason: 'ended', by: callerId });
  });
});

describe('calls on the memory engine', () => {
  let sut: TestApp;
  let ringing: TestApp;

  beforeAll(async () => {
    [sut, ringing] = await Promise.all([startApp(), startApp({ CALL_RING_TIMEOUT_MS: '1000' })]);
  });
  afterAll(async () => {
    closeAllClients();
    await Promise.all([sut?.close(), ringing?.close()]);
  });
  afterEach(() => closeAllClients());

  it('initiate, answer, end', async () => {
    const [callerId, calleeId] = [fresh('m-caller'), fresh('m-callee')];
    const caller = await open(sut, callerId);
    const phone = await open(sut, calleeId);
    const laptop = await open(sut, calleeId);

    const rings = [waitFor<Incoming>(phone, 'call:incoming'), waitFor<Incoming>(laptop, 'call:incoming')];
    const callId = await initiate(caller, calleeId, { callType: 'video', sdp: SDP_OFFER });
    for (const got of await Promise.all(rings)) expect(got).toStrictEqual({ callId, callerId, callType: 'video', sdp: SDP_OFFER });

    const answered = waitFor(caller, 'call:answer', forCall(callId));
    const elsewhere = waitFor<CallEnd>(laptop, 'call:end', forCall(callId));
    expect(await ack(phone, 'call:answer', { callId, sdp: SDP_ANSWER })).toEqual({ ok: true, data: { callId } });
    expect(await answered).toStrictEqual({ callId, sdp: SDP_ANSWER, by: calleeId });
    expect(await elsewhere).toStrictEqual({ callId, reason: 'answered_elsewhere' });
    expectError(await ack(laptop, 'call:answer', { callId }), 'NOT_FOUND');

    const ended = waitFor<CallEnd>(phone, 'call:end', forCall(callId));
    expect(await ack(caller, 'call:end', { callId, reason: 'bye' })).toEqual({ ok: true, data: { callId } });
    expect(await ended).toStrictEqual({ callId, reason: 'bye', by: callerId });
    expectError(await ack(phone, 'call:end', { callId }), 'NOT_FOUND');

    await barrier(sut, [caller, phone, laptop]);
    expect(phone.ends).toHaveLength(1);
    expect(laptop.ends).toHaveLength(1);
    expect(caller.ends).toEqual([]);
  });

  it('call:initiate naming a chat the caller is not a member of is FORBIDDEN: nothing rings, nothing is stored', async () => {
    const [callerId, calleeId] = [fresh('m-caller'), fresh('m-callee')];
    const caller = await open(sut, callerId);
    const callee = await open(sut, calleeId);
    const res = await ack<{ callId: string }>(caller, 'call:initiate', { calleeId, callType: 'audio', chatId: `not-a-member-${randomUUID()}` });
    expectError(res, 'FORBIDDEN');
    await barrier(sut, [caller, callee]);
    expect(callee.incoming).toEqual([]);
    expect(await pending(callee)).toEqual([]);
  });

  it('an unanswered call times out once on both sides and leaves a call:missed notification', async () => {
    const [callerId, calleeId] = [fresh('m-caller'), fresh('m-callee')];
    const caller = await open(ringing, callerId);
    const callee = await open(ringing, calleeId);

    const callId = await initiate(caller, calleeId);
    const ends = [caller, callee].map((t) => waitFor<CallEnd>(t, 'call:end', forCall(callId), 5000));
    const note = waitFor<Notification>(callee, 'notification:new', (n) => n.type === 'call:missed', 5000);
    for (const got of await Promise.all(ends)) expect(got).toStrictEqual({ callId, reason: 'timeout' });
    expect(await note).toEqual({ id: expect.any(String), type: 'call:missed', data: { callerId, callType: 'audio' }, createdAt: expect.any(String) });

    // A later call's timeout: the local timer and the sweeper have both run past the first deadline.
    const later = await open(ringing, fresh('m-later'));
    const laterCallee = await open(ringing, fresh('m-later-callee'));
    const laterId = await initiate(later, laterCallee.userId);
    await waitFor<CallEnd>(later, 'call:end', forCall(laterId), 5000);
    await barrier(ringing, [caller, callee]);

    expect(about(caller.ends, callId)).toHaveLength(1);
    expect(about(callee.ends, callId)).toHaveLength(1);
    expect(missed(callee, callerId)).toHaveLength(1);
    expect((await pending(callee)).map((n) => n.type)).toEqual(['call:missed']);
    expectError(await ack(callee, 'call:answer', { callId }), 'NOT_FOUND');
  });
});

describe('a call whose socket goes away (memory engine)', () => {
  const sut = useApp();

  it('ends when the caller disconnects while ringing: the callee stops ringing', async () => {
    await Promise.all(['gone-caller', 'gone-callee'].map((u) => acquaint(sut, u)));
    const caller = await connectUser(sut.url, userToken('gone-caller'));
    const callee = await connectUser(sut.url, userToken('gone-callee'));
    const incoming = nextEvent<{ callId: string }>(callee, 'call:incoming');
    const { data } = await caller.timeout(5000).emitWithAck('call:initiate', { calleeId: 'gone-callee', callType: 'audio' });
    await incoming;
    const ended = nextEvent(callee, 'call:end');
    caller.disconnect();
    expect(await ended).toEqual({ callId: data.callId, reason: 'disconnected', by: 'gone-caller' });
    expect((await callee.timeout(5000).emitWithAck('call:answer', { callId: data.callId })).error.code).toBe('NOT_FOUND');
  });

  it('ends when the answering socket disconnects: the caller hears it', async () => {
    await Promise.all(['gone-caller2', 'gone-callee2'].map((u) => acquaint(sut, u)));
    const caller = await connectUser(sut.url, userToken('gone-caller2'));
    const callee = await connectUser(sut.url, userToken('gone-callee2'));
    const incoming = nextEvent(callee, 'call:incoming');
    const { data } = await caller.timeout(5000).emitWithAck('call:initiate', { calleeId: 'gone-callee2', callType: 'video' });
    await incoming;
    await callee.timeout(5000).emitWithAck('call:answer', { callId: data.callId });
    const ended = nextEvent(caller, 'call:end');
    callee.disconnect();
    expect(await ended).toEqual({ callId: data.callId, reason: 'disconnected', by: 'gone-callee2' });
  });
});
