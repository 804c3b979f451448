import { AuthRefreshDto } from '../user-gateway/dto/auth-refresh.dto.js';
import { AnswerCallDto, CallReasonDto, IceCandidateDto, InitiateCallDto } from '../call/dto/call.dto.js';
import { ChatIdDto, ChatIdsDto, NewMessageDto, ReactionDto, ReceiptDto } from '../chat/dto/chat.dto.js';
import { EmitDto } from '../delivery/dto/emit.dto.js';
import { ForceLogoutDto } from '../session/dto/force-logout.dto.js';
import { KickDto } from '../session/dto/kick.dto.js';
import { GetOnlineUsersDto } from '../internal-gateway/dto/get-online-users.dto.js';
import { AuthenticateServiceDto, RegisterServiceDto } from '../internal-gateway/dto/service-auth.dto.js';
import { SendMessageDto, ServiceSendMessageDto } from '../messaging/dto/send-message.dto.js';
import { NotificationIdDto, PushNotificationDto } from '../notification/dto/notification.dto.js';
import { OnlinePageDto, PresenceUpdateDto, PresenceUsersDto } from '../presence/dto/presence.dto.js';
import { ReportStatusDto } from '../status/dto/status.dto.js';
import type {
  ClientAckData,
  ClientEventName,
  ClientPayload,
  InternalServerEventName,
  InternalServerPayload,
  NoPayload,
  Notification,
  PresenceUpdate,
  PresenceView,
  ServerEventName,
  ServerPayload,
  ServiceAckData,
  ServiceEventName,
  ServicePayload,
} from '../socket/events.js';
import { dtoSchema } from '../common/dto-schema.js';
import * as S from './schemas.js';
import { arrayOf, enumOf, int, isoTime, literal, none, nullable, oneOf, opt, shape, str, type TypedSchema } from './typed-schema.js';

/**
 * The event map of src/socket/events.ts as data, for the AsyncAPI document: every event of
 * both namespaces, both directions, with the schemas of its payload and ack data. Each table
 * is a mapped type over the map's keys, so the compiler refuses a missing event, an extra one,
 * or a schema that describes another type than the map's.
 */
export interface InboundDoc<P, D> {
  summary: string;
  payload: TypedSchema<P>;
  ack: TypedSchema<D>;
}

export interface OutboundDoc<P> {
  summary: string;
  payload: TypedSchema<P>;
}

export type ClientEventTable = { [K in ClientEventName]: InboundDoc<ClientPayload<K>, ClientAckData<K>> };
export type ServerEventTable = { [K in ServerEventName]: OutboundDoc<ServerPayload<K>> };
export type ServiceEventTable = { [K in ServiceEventName]: InboundDoc<ServicePayload<K>, ServiceAckData<K>> };
export type InternalServerEventTable = { [K in InternalServerEventName]: OutboundDoc<InternalServerPayload<K>> };

const noPayload: TypedSchema<NoPayload> = { type: 'object', maxProperties: 0, description: 'No fields; the payload may be left out (docs/protocol.md §9).' };
const chatIdAck = shape<{ chatId: string }>()({ chatId: str });
const callIdAck = shape<{ callId: string }>()({ callId: str });
const byId = oneOf(dtoSchema(NotificationIdDto), { ...str, description: 'A bare id stands for { id } (docs/protocol.md §9).' } as TypedSchema<string>);

const lettera = (canonical: string) => `Lettera's spelling of \`${canonical}\` (docs/protocol.md §9); acts exactly like it.`;

export const CLIENT_EVENTS: ClientEventTable = {
  'auth:refresh': {
    summary: "Replace the socket's token before it expires; same user (and session with SESSION_POLICY=single).",
    payload: dtoSchema(AuthRefreshDto),
    ack: shape<{ expiresAt: string | null }>()({ expiresAt: nullable(isoTime) }),
  },
  send_message: {
    summary: 'A direct message to users; they receive `message`.',
    payload: dtoSchema(SendMessageDto),
    ack: shape<ClientAckData<'send_message'>>()({
      recipients: shape<ClientAckData<'send_message'>['recipients']>()({ total: int, sent: arrayOf(str), failed: arrayOf(str), accepted: arrayOf(str) }),
      timestamp: isoTime,
    }),
  },
  'presence:update': { summary: "Set the user's status (all their sockets).", payload: dtoSchema(PresenceUpdateDto), ack: S.presenceUpdate },
  'presence:subscribe': {
    summary: 'The current presence of those the caller may see, and their changes from now on.',
    payload: dtoSchema(PresenceUsersDto),
    ack: shape<{ users: PresenceUpdate[] }>()({ users: arrayOf(S.presenceUpdate) }),
  },
  'presence:unsubscribe': { summary: 'Stop receiving those users’ changes.', payload: dtoSchema(PresenceUsersDto), ack: shape<{ userIds: string[] }>()({ userIds: arrayOf(str) }) },
  get_online_users: { summary: "The caller's online friends.", payload: noPayload, ack: shape<{ users: string[] }>()({ users: arrayOf(str) }) },
  get_detailed_online_users: {
    summary: "The caller's online friends with status and devices.",
    payload: noPayload,
    ack: shape<{ users: PresenceView[] }>()({ users: arrayOf(S.presenceView) }),
  },
  get_all_online_users: {
    summary: 'A page of online users (all for role admin, else those the caller may see); cursor "0" ends.',
    payload: dtoSchema(OnlinePageDto),
    ack: shape<{ users: string[]; cursor: string }>()({ users: arrayOf(str), cursor: str }),
  },
  'chat:join': { summary: "Join a chat's room (members only).", payload: dtoSchema(ChatIdDto), ack: chatIdAck },
  'chat:leave': { summary: "Leave a chat's room.", payload: dtoSchema(ChatIdDto), ack: chatIdAck },
  'chat:join-multiple': {
    summary: 'Join several chat rooms; the ack lists joined and refused.',
    payload: dtoSchema(ChatIdsDto),
    ack: shape<{ joined: string[]; refused: string[] }>()({ joined: arrayOf(str), refused: arrayOf(str) }),
  },
  'chat:get-active-members': {
    summary: "A chat's members who are online (members only).",
    payload: dtoSchema(ChatIdDto),
    ack: shape<ClientAckData<'chat:get-active-members'>>()({
      members: arrayOf(shape<ClientAckData<'chat:get-active-members'>['members'][number]>()({ userId: str, status: S.presenceStatus })),
    }),
  },
  'message:new': {
    summary: "A chat message (one of content, encryptedContent); the room's other sockets receive `message:new`.",
    payload: dtoSchema(NewMessageDto),
    ack: shape<ClientAckData<'message:new'>>()({ messageId: str, tempId: opt(str), timestamp: isoTime }),
  },
  'message:delivered': { summary: 'Delivery receipt; the room receives it with userId and timestamp.', payload: dtoSchema(ReceiptDto), ack: S.receipt },
  'message:read': { summary: 'Read receipt; the room receives it with userId and timestamp.', payload: dtoSchema(ReceiptDto), ack: S.receipt },
  'message:typing': { summary: 'The user is typing; the room (not the sender) receives it.', payload: dtoSchema(ChatIdDto), ack: none },
  'message:stop-typing': { summary: 'The user stopped typing.', payload: dtoSchema(ChatIdDto), ack: none },
  'user:typing': { summary: lettera('message:typing'), payload: dtoSchema(ChatIdDto), ack: none },
  'user:stop-typing': { summary: lettera('message:stop-typing'), payload: dtoSchema(ChatIdDto), ack: none },
  'reaction:new': { summary: 'Add a reaction; the room receives it with userId.', payload: dtoSchema(ReactionDto), ack: S.reaction },
  'reaction:remove': { summary: 'Remove a reaction; the room receives it with userId.', payload: dtoSchema(ReactionDto), ack: S.reaction },
  'call:initiate': { summary: "Call a user who may see the caller; the callee's sockets receive `call:incoming`.", payload: dtoSchema(InitiateCallDto), ack: callIdAck },
  'call:answer': { summary: 'Answer a ringing call (callee).', payload: dtoSchema(AnswerCallDto), ack: callIdAck },
  'call:reject': { summary: 'Reject a call.', payload: dtoSchema(CallReasonDto), ack: callIdAck },
  'call:end': { summary: 'End a call.', payload: dtoSchema(CallReasonDto), ack: callIdAck },
  'call:ice-candidate': { summary: 'Relay an ICE candidate to the other party.', payload: dtoSchema(IceCandidateDto), ack: callIdAck },
  'notification:get-pending': {
    summary: "The user's pending notifications, newest first.",
    payload: noPayload,
    ack: shape<{ notifications: Notification[] }>()({ notifications: arrayOf(S.notification) }),
  },
  'notification:read': { summary: "Mark a notification read; the user's sockets receive `notification:read:success`.", payload: byId, ack: S.serverPayloads.notificationId },
  'notification:clear': { summary: 'Drop a pending notification.', payload: byId, ack: S.serverPayloads.notificationId },
  'notification:clear-all': { summary: 'Drop every pending notification.', payload: noPayload, ack: shape<{ cleared: number }>()({ cleared: int }) },
  'subscribe:notifications': { summary: 'Confirms the subscription (the user room is joined on connect).', payload: noPayload, ack: shape<{ subscribed: true }>()({ subscribed: literal(true) }) },
  'subscribe:status': { summary: 'Join `status-updates`; `status:current` follows at once.', payload: noPayload, ack: shape<{ subscribed: true }>()({ subscribed: literal(true) }) },
  'unsubscribe:status': { summary: 'Leave `status-updates`.', payload: noPayload, ack: shape<{ subscribed: false }>()({ subscribed: literal(false) }) },
  'admin:refresh-status': { summary: 'Ask backends for fresh status reports (role admin).', payload: noPayload, ack: S.statusRefreshRequest },
};

const backend = (what: string): OutboundDoc<unknown> => ({ summary: `Pushed by a backend (${what}); the payload is the backend's.`, payload: S.backendPayload });

export const SERVER_EVENTS: ServerEventTable = {
  connected: { summary: 'The handshake was accepted.', payload: S.serverPayloads.connected },
  'auth:expired': { summary: "The token's exp passed; the socket is disconnected next.", payload: S.serverPayloads.authExpired },
  'auth:logout': { summary: 'The session was replaced, limited, forced out or kicked; the socket is disconnected next.', payload: S.serverPayloads.authLogout },
  'server:shutdown': { summary: 'This node is draining and closes the transport next: reconnect (elsewhere) after reconnectAfterMs.', payload: S.serverPayloads.serverShutdown },
  error: { summary: 'A failed event sent without an ack callback.', payload: S.errorBody },
  message: { summary: 'A direct message from a user (`send_message`) or a service.', payload: S.serverPayloads.directMessage },
  'chat:member-joined': { summary: 'A member was added to the chat.', payload: S.chatMemberChange },
  'chat:member-left': { summary: 'A member was removed from the chat.', payload: S.chatMemberChange },
  'message:new': { summary: 'A chat message.', payload: S.chatMessage },
  'message:delivered': { summary: 'A delivery receipt.', payload: S.receipt },
  'message:read': { summary: 'A read receipt.', payload: S.receipt },
  'message:typing': { summary: 'A member is typing.', payload: S.typingState },
  'message:stop-typing': { summary: 'A member stopped typing (or TYPING_TIMEOUT_MS passed).', payload: S.typingState },
  'reaction:new': { summary: 'A reaction was added.', payload: S.reaction },
  'reaction:remove': { summary: 'A reaction was removed.', payload: S.reaction },
  'presence:update': { summary: 'A visible user connected, left or changed status.', payload: S.presenceUpdate },
  'call:incoming': { summary: 'Someone is calling.', payload: S.serverPayloads.incomingCall },
  'call:answer': { summary: 'The callee answered.', payload: S.serverPayloads.callAnswered },
  'call:reject': { summary: 'The other party rejected the call.', payload: S.serverPayloads.callRejected },
  'call:end': { summary: 'The call ended (by the other party, timeout, disconnect, or answered elsewhere).', payload: S.serverPayloads.callEnded },
  'call:ice-candidate': { summary: "The other party's ICE candidate.", payload: S.serverPayloads.iceCandidate },
  'notification:new': { summary: 'A notification pushed by a backend (also stored as pending).', payload: S.notification },
  'notification:read:success': { summary: 'A notification was marked read (on any of the user’s sockets).', payload: S.serverPayloads.notificationId },
  'notification:read:error': { summary: '`notification:read` failed and had no ack callback.', payload: S.serverPayloads.notificationReadError },
  'status:current': { summary: 'The status snapshot, right after `subscribe:status`.', payload: S.serverPayloads.statusSnapshot },
  'service:status': { summary: 'A service reported its status.', payload: S.serverPayloads.serviceStatus },
  'status:refreshing': { summary: 'An admin asked for fresh status reports.', payload: S.statusRefreshRequest },
  'profile:update': backend('default EMIT_ALLOWED_EVENTS'),
  'account:update': backend('default EMIT_ALLOWED_EVENTS'),
  'message:edited': backend('to room chat:{id}'),
  'message:deleted': backend('to room chat:{id}'),
  'chat:updated': backend('default EMIT_ALLOWED_EVENTS'),
};

export const SERVICE_EVENTS: ServiceEventTable = {
  authenticate_service: { summary: 'Authenticate after connecting (within 5 s).', payload: dtoSchema(AuthenticateServiceDto), ack: S.serviceSessionInfo },
  register_service: {
    summary: 'Register a new service (SERVICE_REGISTRATION=true).',
    payload: dtoSchema(RegisterServiceDto),
    ack: shape<ServiceAckData<'register_service'>>()({ serviceName: str, status: enumOf(['pending', 'active', 'disabled']) }),
  },
  send_message: {
    summary: 'A message to users, labelled with the service; users receive `event` [message].',
    payload: dtoSchema(ServiceSendMessageDto),
    ack: shape<ServiceAckData<'send_message'>>()({ status: literal('sent'), recipients: S.recipientReport, timestamp: isoTime }),
  },
  emit: {
    summary: 'As POST /internal/emit: an allowlisted event to users or a room.',
    payload: dtoSchema(EmitDto),
    ack: shape<ServiceAckData<'emit'>>()({ recipients: opt(S.recipientCounts), room: opt(str) }),
  },
  force_logout: { summary: 'As POST /internal/force-logout.', payload: dtoSchema(ForceLogoutDto), ack: shape<{ revokedSessions: number }>()({ revokedSessions: int }) },
  kick: { summary: 'As POST /internal/kick.', payload: dtoSchema(KickDto), ack: shape<{ revokedSessions: number }>()({ revokedSessions: int }) },
  notify: {
    summary: 'As POST /internal/notifications.',
    payload: dtoSchema(PushNotificationDto),
    ack: shape<ServiceAckData<'notify'>>()({ id: str, recipients: S.recipientCounts }),
  },
  report_status: {
    summary: 'As POST /internal/status.',
    payload: dtoSchema(ReportStatusDto),
    ack: shape<ServiceAckData<'report_status'>>()({ service: str, status: str, timestamp: isoTime }),
  },
  get_online_users: {
    summary: 'As GET /internal/presence.',
    payload: dtoSchema(GetOnlineUsersDto),
    ack: shape<{ users: PresenceView[] }>()({ users: arrayOf(S.presenceView) }),
  },
};

export const INTERNAL_SERVER_EVENTS: InternalServerEventTable = {
  authenticated: { summary: 'The handshake carried valid service credentials.', payload: S.serviceSessionInfo },
  error: { summary: 'A failed event without an ack, or AUTH_REQUIRED at the 5 s deadline.', payload: S.errorBody },
  'session:expired': {
    summary: 'SERVICE_SESSION_EXPIRY or SERVICE_SESSION_IDLE_TIMEOUT passed; the socket is disconnected next.',
    payload: shape<InternalServerPayload<'session:expired'>>()({ reason: enumOf(['expired', 'idle']), sessionId: opt(str) }),
  },
};
