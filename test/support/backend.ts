import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { EmitAck, EmitPayload, PresenceView } from '../../src/socket/events.js';
import { TEST_INTERNAL_SECRET } from './app.js';
import { type AnySocket, nextMatching } from './client.js';

/**
 * What a backend does to a gateway over its /internal HTTP API, with the test secret: push,
 * chat members, friends, presence, and a delivery barrier. Works on anything that serves the
 * API at `url`: an app of support/app.ts or a gateway process of support/node-process.ts.
 */
export interface Served {
  url: string;
}

export type Method = 'get' | 'post' | 'put' | 'delete';

/** One /internal request (path relative to /internal) with the test secret, or `secret` (null: none). */
export function internal(target: Served, method: Method, path: string, body?: unknown, secret: string | null = TEST_INTERNAL_SECRET): request.Test {
  const req = request(target.url)[method](`/internal${path}`);
  if (secret !== null) req.set('Authorization', `Bearer ${secret}`);
  return body === undefined ? req : req.send(body as object);
}

/** POST /internal/emit, expecting 200; its data. */
export async function push(target: Served, emit: EmitPayload): Promise<EmitAck> {
  const res = await internal(target, 'post', '/emit', emit).expect(200);
  return (res.body as { data: EmitAck }).data;
}

/** PUT /internal/chats/:id/members: the chat's members are exactly `userIds`. */
export async function setMembers(target: Served, chatId: string, userIds: string[]): Promise<void> {
  await internal(target, 'put', `/chats/${encodeURIComponent(chatId)}/members`, { userIds }).expect(200);
}

/** PUT /internal/users/:id/friends both ways: `a` and `b` are friends. */
export async function befriend(target: Served, a: string, b: string): Promise<void> {
  await internal(target, 'put', `/users/${encodeURIComponent(a)}/friends`, { friendIds: [b] }).expect(200);
  await internal(target, 'put', `/users/${encodeURIComponent(b)}/friends`, { friendIds: [a] }).expect(200);
}

/** GET /internal/presence for `userIds`. */
export async function presenceOf(target: Served, userIds: string[]): Promise<PresenceView[]> {
  const res = await internal(target, 'get', `/presence?userIds=${userIds.map(encodeURIComponent).join(',')}`).expect(200);
  return (res.body as { data: { users: PresenceView[] } }).data.users;
}

/**
 * A delivery barrier: pushes a marker no test sends (`event`, an allowlisted name) to `userIds`
 * and waits until each of `sockets` received it. A socket receives its user's pushes in order, so
 * everything pushed to it before the barrier has arrived by then.
 */
export async function barrier(target: Served, userIds: string[], sockets: AnySocket[], event = 'profile:update'): Promise<void> {
  const marker = randomUUID();
  const arrived = sockets.map((s) => nextMatching<{ barrier?: string } | null>(s, event, (p) => p?.barrier === marker));
  await push(target, { userIds: [...new Set(userIds)], event, payload: { barrier: marker } });
  await Promise.all(arrived);
}
