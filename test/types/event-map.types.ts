/**
 * Compile-time tests of the event map (packages/client/src/events.ts, with the server-side typing of src/socket/events.ts), checked by `npm run typecheck`
 * (tsconfig.json includes test/). Each `@ts-expect-error` line must fail to compile: a wrong
 * payload, a wrong ack type, an unknown event name, in both directions of both namespaces. If
 * the map stopped catching one of them, the directive itself would be the compile error.
 * Nothing here runs; test/types/event-map.spec.ts checks that typecheck compiles this file.
 * The AsyncAPI description of the events (src/asyncapi/event-catalog.ts) is checked here too.
 */
import type { Socket as ClientSocket } from 'socket.io-client';
import type { ClientEventTable, InternalServerEventTable, ServerEventTable, ServiceEventTable } from '../../src/asyncapi/event-catalog.js';
import { shape, str } from '../../src/asyncapi/typed-schema.js';
import type { Ack } from '../../src/common/ack.js';
import type { ServiceSocket } from '../../src/internal-gateway/service-sessions.js';
import type { DeliveryService } from '../../src/delivery/delivery.service.js';
import type { emitThenDisconnect } from '../../src/socket/emit-then-disconnect.js';
import type {
  AllowedEventName,
  BackendEvents,
  ClientAckData,
  ClientEventName,
  ClientPayload,
  ClientToServerEvents,
  InternalClientToServerEvents,
  InternalServerToClientEvents,
  ServerToClientEvents,
  ServiceAckData,
  ServiceEventName,
  ServicePayload,
  UserServer,
  UserSocket,
} from '../../src/socket/events.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

declare const user: ClientSocket<ServerToClientEvents, ClientToServerEvents>;
declare const service: ClientSocket<InternalServerToClientEvents, InternalClientToServerEvents>;
declare const userSocket: UserSocket;
declare const io: UserServer;
declare const serviceSocket: ServiceSocket;
declare const delivery: DeliveryService;
declare const farewell: typeof emitThenDisconnect;
declare const allowed: AllowedEventName;

// ---- `/`, client → server ----------------------------------------------------------------

user.emit('chat:join', { chatId: 'c1' }, (res) => {
  if (res.ok) assertType<Equal<typeof res.data, { chatId: string } | undefined>>();
  else assertType<Equal<typeof res.error.code, import('../../src/common/error-codes.js').ErrorCode>>();
});
user.emit('message:new', { chatId: 'c1', content: 'hi', messageType: 'text', tempId: 't' }, (res: Ack<{ messageId: string; tempId?: string; timestamp: string }>) => void res);
user.emit('notification:read', 'n1', () => undefined);
user.emit('get_all_online_users', {}, (res) => void (res.ok && res.data?.cursor));
void user.emitWithAck('send_message', { recipientIds: ['u2'], message: 'hello' }).then((res) => res.ok && res.data?.recipients.accepted);

// @ts-expect-error wrong payload: chatIds is an array
user.emit('chat:join-multiple', { chatIds: 'c1' }, () => undefined);
// @ts-expect-error wrong payload: messageType outside the enum
user.emit('message:new', { chatId: 'c1', content: 'hi', messageType: 'gif' }, () => undefined);
// @ts-expect-error wrong payload: a required field is missing
user.emit('call:initiate', { callType: 'audio' }, () => undefined);
// @ts-expect-error wrong ack type: chat:join acks { chatId }, not { callId }
user.emit('chat:join', { chatId: 'c1' }, (res: Ack<{ callId: string }>) => void res);
// @ts-expect-error wrong ack type: presence:subscribe acks { users }, not a string
user.emit('presence:subscribe', { userIds: ['u2'] }, (res: Ack<string>) => void res);
// @ts-expect-error unknown event name
user.emit('chat:jion', { chatId: 'c1' }, () => undefined);

// ---- `/`, server → client ----------------------------------------------------------------

user.on('message:new', (m) => void m.messageId.toUpperCase());
user.on('presence:update', (p) => assertType<Equal<typeof p.status, 'online' | 'away' | 'busy' | 'offline'>>());
user.on('call:incoming', (c) => void c.callType);
user.on('profile:update', (payload) => assertType<Equal<typeof payload, unknown>>());
userSocket.emit('connected', { userId: 'u', sessionId: 's', socketId: 'x', serverTime: new Date().toISOString() });
io.to('chat:c1').emit('message:typing', { chatId: 'c1', userId: 'u1' });
delivery.toRoom('user:u1', 'call:end', { callId: 'c', reason: 'timeout' });
delivery.pushToRoom('user:u1', allowed, { any: 'json' });

// @ts-expect-error wrong payload: a client handler expecting a string for message:new
user.on('message:new', (m: string) => void m);
// @ts-expect-error unknown event name on the client
user.on('message:nwe', () => undefined);
// @ts-expect-error wrong payload emitted by the server
userSocket.emit('connected', { userId: 'u' });
// @ts-expect-error wrong payload broadcast by the server: call:end needs a reason
io.to('user:u1').emit('call:end', { callId: 'c' });
// @ts-expect-error unknown event name emitted by the server
io.to('user:u1').emit('presence:updated', { userId: 'u1' });
// @ts-expect-error the delivery path types the gateway's own events too
delivery.toRoom('user:u1', 'notification:read:success', { notificationId: 'n' });
// @ts-expect-error a backend event needs an allowlisted name, not any string
delivery.pushToRoom('user:u1', 'anything', {});

// A deployment's own allowlisted events are declared by extending the map.
declare const extended: ClientSocket<ServerToClientEvents & BackendEvents<'order:shipped', { orderId: string }>, ClientToServerEvents>;
extended.on('order:shipped', (o) => void o.orderId);
// @ts-expect-error still closed: an event neither in the map nor declared
extended.on('order:lost', () => undefined);

// ---- `/internal`, client → server --------------------------------------------------------

service.emit('authenticate_service', { serviceName: 'billing', serviceKey: 'k' }, (res) => void (res.ok && res.data?.sessionId));
service.emit('emit', { userId: 'u1', event: 'profile:update', payload: { a: 1 } }, (res) => void (res.ok && res.data?.recipients?.sent));
service.emit('notify', { userIds: ['u1'], notification: { type: 'x' } }, (res) => void (res.ok && res.data?.id));

// @ts-expect-error wrong payload: the emit body needs an event name
service.emit('emit', { userId: 'u1', payload: {} }, () => undefined);
// @ts-expect-error wrong payload: kick's invalidateSession is a boolean
service.emit('kick', { userId: 'u1', invalidateSession: 'yes' }, () => undefined);
// @ts-expect-error wrong ack type: force_logout acks { revokedSessions }
service.emit('force_logout', { userId: 'u1', sessionId: 's' }, (res: Ack<{ users: string[] }>) => void res);
// @ts-expect-error unknown event name on /internal (a `/` event)
service.emit('chat:join', { chatId: 'c1' }, () => undefined);

// ---- `/internal`, server → client --------------------------------------------------------

service.on('session:expired', (e) => assertType<Equal<typeof e.reason, 'expired' | 'idle'>>());
serviceSocket.emit('authenticated', { serviceName: 'b', serviceType: 't', sessionId: 's', expiresAt: 'e' });

// @ts-expect-error wrong payload: session:expired's reason is a closed set
serviceSocket.emit('session:expired', { reason: 'bored' });
// @ts-expect-error unknown event name for a service socket (a `/` event)
serviceSocket.emit('connected', { userId: 'u', sessionId: 's', socketId: 'x', serverTime: '' });
// @ts-expect-error wrong payload type in a service's handler
service.on('authenticated', (info: { token: string }) => void info);

// ---- helper types ------------------------------------------------------------------------

assertType<Equal<ClientPayload<'chat:join'>, import('../../src/socket/events.js').ChatIdPayload>>();
assertType<Equal<ClientPayload<'notification:read'>, import('../../src/socket/events.js').NotificationIdPayload | string>>();
assertType<Equal<ClientAckData<'call:initiate'>, import('../../src/socket/events.js').CallIdAck>>();
assertType<Equal<ClientAckData<'message:typing'>, void>>();
assertType<Equal<ServicePayload<'kick'>, import('../../src/socket/events.js').KickPayload>>();
assertType<Equal<ServiceAckData<'get_online_users'>, { users: import('../../src/socket/events.js').PresenceView[] }>>();
const names: ClientEventName[] = ['auth:refresh', 'send_message'];
const serviceNames: ServiceEventName[] = ['authenticate_service', 'emit'];
void names;
void serviceNames;
// @ts-expect-error not a client event of `/`
const badName: ClientEventName = 'authenticate_service';
void badName;
// @ts-expect-error not a service event of `/internal`
const badServiceName: ServiceEventName = 'chat:join';
void badServiceName;
// @ts-expect-error ClientAckData is derived from the map, not free-form
assertType<Equal<ClientAckData<'chat:join'>, { callId: string }>>();

// ---- the AsyncAPI description (src/asyncapi/event-catalog.ts) is checked against the map ----

declare const catalog: {
  client: ClientEventTable;
  server: ServerEventTable;
  service: ServiceEventTable;
  internalServer: InternalServerEventTable;
};
const { 'chat:leave': _left, ...withoutChatLeave } = catalog.client;
void _left;
// @ts-expect-error the description must list every client event of the map
const missingClientEvent: ClientEventTable = withoutChatLeave;
void missingClientEvent;
const { 'session:expired': _expired, ...withoutExpired } = catalog.internalServer;
void _expired;
// @ts-expect-error the description must list every server event of /internal
const missingInternalEvent: InternalServerEventTable = withoutExpired;
void missingInternalEvent;
// @ts-expect-error no event outside the map
const extraServerEvent: ServerEventTable = { ...catalog.server, 'chat:jion': catalog.server['chat:member-joined'] };
void extraServerEvent;
// @ts-expect-error a payload schema of another type than the map's
const wrongPayload: ServiceEventTable = { ...catalog.service, kick: { ...catalog.service.kick, payload: catalog.service.force_logout.payload } };
void wrongPayload;
// @ts-expect-error an ack schema of another type than the map's
const wrongAck: ClientEventTable = { ...catalog.client, 'chat:join': { ...catalog.client['chat:join'], ack: catalog.client['call:end'].ack } };
void wrongAck;
// @ts-expect-error a server payload schema of another type than the map's
const wrongServerPayload: ServerEventTable = { ...catalog.server, 'message:new': catalog.server['presence:update'] };
void wrongServerPayload;
// @ts-expect-error shape<T>() wants exactly T's keys, optional ones wrapped in opt()
shape<{ chatId: string; tempId?: string }>()({ chatId: str, tempId: str });
// @ts-expect-error and each property's schema must describe that property's type
shape<{ count: number }>()({ count: str });
// The exception filter emits `error` on sockets of both namespaces: the two entries must stay the same.
assertType<Equal<ServerToClientEvents['error'], InternalServerToClientEvents['error']>>();
// One emitThenDisconnect for both namespaces, checked against each socket's own event map.
farewell(userSocket, 'auth:logout', { reason: 'logout' });
farewell(serviceSocket, 'session:expired', { reason: 'idle' });
// @ts-expect-error a /internal event on a user socket
farewell(userSocket, 'session:expired', { reason: 'removed' });
// @ts-expect-error a payload of another event
farewell(userSocket, 'auth:expired', { reason: 'logout' });
