/*
 * The user namespace `/` (docs/protocol.md §2–§4, §7): what the gateway sends a user's sockets and
 * what they send it, with payloads and ack data. Types only.
 */

import type { Ack, AckDataOf, BackendPayload, CallType, ErrorBody, JsonObject, LogoutReason, MessageType, NoPayload, PayloadOf, PresenceStatus } from './contract.js';

export interface ConnectedPayload {
  userId: string;
  sessionId: string;
  socketId: string;
  serverTime: string;
}

export interface PresenceUpdate {
  userId: string;
  status: PresenceStatus;
  customStatus: string | null;
  lastSeen: string | null;
}

/** A user's presence with `devices`, the number of their live sockets. */
export interface PresenceView extends PresenceUpdate {
  devices: number;
}

export interface ChatMemberChange {
  chatId: string;
  userId: string;
}

/** A chat message as members receive it: what the sender sent, with its id, sender and time. */
export interface ChatMessage extends NewMessagePayload {
  messageId: string;
  senderId: string;
  timestamp: string;
}

export interface Receipt {
  chatId: string;
  messageIds: string[];
  userId: string;
  timestamp: string;
}

export interface TypingState {
  chatId: string;
  userId: string;
}

export interface Reaction {
  chatId: string;
  messageId: string;
  reaction: string;
  userId: string;
  timestamp: string;
}

/** `message` from a user's `send_message` (docs/protocol.md §4.1). */
export interface UserDirectMessage {
  from: string;
  message: string;
  metadata: JsonObject;
  timestamp: string;
}

/** `message` (or the event named in `send_message`) from a service (docs/protocol.md §6.2). */
export interface ServiceDirectMessage {
  message: string;
  metadata: {
    source: 'internal_service';
    serviceName: string;
    serviceType: string;
    timestamp: string;
    metadata: JsonObject;
  };
}

export interface IncomingCall {
  callId: string;
  callerId: string;
  callType: CallType;
  sdp?: JsonObject;
  chatId?: string;
}

export interface CallAnswered {
  callId: string;
  sdp?: JsonObject;
  by: string;
}

export interface CallRejected {
  callId: string;
  reason?: string;
  by: string;
}

/**
 * `call:end`: `reason` is the caller's or callee's own, or one of `ended`, `timeout`,
 * `disconnected`, `answered_elsewhere`, `rejected_elsewhere`, `ended_elsewhere`; `by` is
 * absent when the gateway ended the call.
 */
export interface CallEnded {
  callId: string;
  reason: string;
  by?: string;
}

export interface IceCandidate {
  callId: string;
  candidate: JsonObject;
  from: string;
}

export interface Notification {
  id: string;
  type: string;
  title?: string;
  body?: string;
  data?: JsonObject;
  createdAt: string;
}

export interface NotificationReadError {
  id: string;
  error: ErrorBody;
}

export interface ServiceStatusEntry {
  status: string;
  message?: string;
  updatedAt: string;
}

export interface StatusSnapshot {
  services: Record<string, ServiceStatusEntry>;
}

export interface ServiceStatusChange {
  service: string;
  status: string;
  message?: string;
  timestamp: string;
}

export interface StatusRefreshRequest {
  requestedBy: string;
  timestamp: string;
}

/**
 * This node is draining (docs/protocol.md §7): the socket's transport closes right after.
 * `reconnectAfterMs` is this socket's share of SHUTDOWN_SPREAD_MS: waiting it before reconnecting
 * spreads the returning clients evenly over the spread instead of landing on the other nodes at once.
 */
export interface ServerShutdown {
  reconnect: boolean;
  reconnectAfterMs: number;
}

/**
 * Server → client events of `/` (docs/protocol.md §2–§4, §7). Closed: an event not listed here cannot be
 * emitted by the gateway's code nor listened to by a typed client.
 *
 * Backend-pushed events: the default EMIT_ALLOWED_EVENTS names are listed. Those the gateway
 * also emits itself (`auth:logout`, `notification:new`, `message`, `message:new`,
 * `service:status`) are typed by the gateway's shape, which a backend pushing them should keep;
 * the others carry the backend's payload (`BackendPayload`). Names a deployment adds to the
 * allowlist are its own contract: a client declares them with `BackendEvents<'order:shipped'>`.
 */
export interface ServerToClientEvents {
  connected: (payload: ConnectedPayload) => void;
  'auth:expired': (payload: { expiredAt: string }) => void;
  'auth:logout': (payload: { reason: LogoutReason }) => void;
  'server:shutdown': (payload: ServerShutdown) => void;
  /** A failed event sent without an ack callback (docs/protocol.md §2.3). */
  error: (payload: ErrorBody) => void;
  message: (payload: UserDirectMessage | ServiceDirectMessage) => void;
  'chat:member-joined': (payload: ChatMemberChange) => void;
  'chat:member-left': (payload: ChatMemberChange) => void;
  'message:new': (payload: ChatMessage) => void;
  'message:delivered': (payload: Receipt) => void;
  'message:read': (payload: Receipt) => void;
  'message:typing': (payload: TypingState) => void;
  'message:stop-typing': (payload: TypingState) => void;
  'reaction:new': (payload: Reaction) => void;
  'reaction:remove': (payload: Reaction) => void;
  'presence:update': (payload: PresenceUpdate) => void;
  'call:incoming': (payload: IncomingCall) => void;
  'call:answer': (payload: CallAnswered) => void;
  'call:reject': (payload: CallRejected) => void;
  'call:end': (payload: CallEnded) => void;
  'call:ice-candidate': (payload: IceCandidate) => void;
  'notification:new': (payload: Notification) => void;
  'notification:read:success': (payload: { id: string }) => void;
  'notification:read:error': (payload: NotificationReadError) => void;
  'status:current': (payload: StatusSnapshot) => void;
  'service:status': (payload: ServiceStatusChange) => void;
  'status:refreshing': (payload: StatusRefreshRequest) => void;
  // Default EMIT_ALLOWED_EVENTS names the gateway never emits itself: the backend's payload.
  'profile:update': (payload: BackendPayload) => void;
  'account:update': (payload: BackendPayload) => void;
  'message:edited': (payload: BackendPayload) => void;
  'message:deleted': (payload: BackendPayload) => void;
  'chat:updated': (payload: BackendPayload) => void;
}

/** Events a deployment adds to EMIT_ALLOWED_EVENTS, for a client to merge into its map. */
export type BackendEvents<Name extends string, P = BackendPayload> = { [E in Name]: (payload: P) => void };

// ---------------------------------------------------------------------------------------------
// Client → server payloads and ack data of `/` (the DTO classes implement the payloads)

export interface AuthRefreshPayload {
  token: string;
}

export interface SendMessagePayload {
  recipientIds: string[];
  message: string;
  metadata?: JsonObject;
}

export interface RecipientReport {
  total: number;
  /** Recipients with at least one live socket on any node. */
  sent: string[];
  failed: string[];
}

export interface UserSendReport {
  /** `accepted`: recipients the sender may not see (their state is not revealed). */
  recipients: RecipientReport & { accepted: string[] };
  timestamp: string;
}

export interface PresenceUpdatePayload {
  status: PresenceStatus;
  customStatus?: string;
}

export interface UserIdsPayload {
  userIds: string[];
}

export interface OnlinePagePayload {
  cursor?: string;
  limit?: number;
}

export interface ChatIdPayload {
  chatId: string;
}

export interface ChatIdsPayload {
  chatIds: string[];
}

export interface NewMessagePayload {
  chatId: string;
  content?: string;
  encryptedContent?: string;
  messageType: MessageType;
  replyToId?: string;
  metadata?: JsonObject;
  tempId?: string;
}

export interface NewMessageAck {
  messageId: string;
  tempId?: string;
  timestamp: string;
}

export interface ReceiptPayload {
  chatId: string;
  messageIds: string[];
}

export interface ReactionPayload {
  chatId: string;
  messageId: string;
  reaction: string;
}

export interface InitiateCallPayload {
  calleeId: string;
  callType: CallType;
  sdp?: JsonObject;
  chatId?: string;
}

export interface AnswerCallPayload {
  callId: string;
  sdp?: JsonObject;
}

export interface CallReasonPayload {
  callId: string;
  reason?: string;
}

export interface IceCandidatePayload {
  callId: string;
  candidate: JsonObject;
}

export interface CallIdAck {
  callId: string;
}

export interface NotificationIdPayload {
  id: string;
}

/**
 * Client → server events of `/` (docs/protocol.md §2.2, §4). Every event takes an ack callback that
 * receives the envelope of docs/protocol.md §2.3; without one, a failure arrives as `error`.
 */
export interface ClientToServerEvents {
  'auth:refresh': (payload: AuthRefreshPayload, ack: (res: Ack<{ expiresAt: string | null }>) => void) => void;
  send_message: (payload: SendMessagePayload, ack: (res: Ack<UserSendReport>) => void) => void;
  'presence:update': (payload: PresenceUpdatePayload, ack: (res: Ack<PresenceUpdate>) => void) => void;
  'presence:subscribe': (payload: UserIdsPayload, ack: (res: Ack<{ users: PresenceUpdate[] }>) => void) => void;
  'presence:unsubscribe': (payload: UserIdsPayload, ack: (res: Ack<{ userIds: string[] }>) => void) => void;
  get_online_users: (payload: NoPayload, ack: (res: Ack<{ users: string[] }>) => void) => void;
  get_detailed_online_users: (payload: NoPayload, ack: (res: Ack<{ users: PresenceView[] }>) => void) => void;
  get_all_online_users: (payload: OnlinePagePayload, ack: (res: Ack<{ users: string[]; cursor: string }>) => void) => void;
  'chat:join': (payload: ChatIdPayload, ack: (res: Ack<{ chatId: string }>) => void) => void;
  'chat:leave': (payload: ChatIdPayload, ack: (res: Ack<{ chatId: string }>) => void) => void;
  'chat:join-multiple': (payload: ChatIdsPayload, ack: (res: Ack<{ joined: string[]; refused: string[] }>) => void) => void;
  'chat:get-active-members': (
    payload: ChatIdPayload,
    ack: (res: Ack<{ members: { userId: string; status: PresenceStatus }[] }>) => void,
  ) => void;
  'message:new': (payload: NewMessagePayload, ack: (res: Ack<NewMessageAck>) => void) => void;
  'message:delivered': (payload: ReceiptPayload, ack: (res: Ack<Receipt>) => void) => void;
  'message:read': (payload: ReceiptPayload, ack: (res: Ack<Receipt>) => void) => void;
  'message:typing': (payload: ChatIdPayload, ack: (res: Ack<void>) => void) => void;
  'message:stop-typing': (payload: ChatIdPayload, ack: (res: Ack<void>) => void) => void;
  /** Lettera's spelling of `message:typing` (docs/protocol.md §9). */
  'user:typing': (payload: ChatIdPayload, ack: (res: Ack<void>) => void) => void;
  /** Lettera's spelling of `message:stop-typing` (docs/protocol.md §9). */
  'user:stop-typing': (payload: ChatIdPayload, ack: (res: Ack<void>) => void) => void;
  'reaction:new': (payload: ReactionPayload, ack: (res: Ack<Reaction>) => void) => void;
  'reaction:remove': (payload: ReactionPayload, ack: (res: Ack<Reaction>) => void) => void;
  'call:initiate': (payload: InitiateCallPayload, ack: (res: Ack<CallIdAck>) => void) => void;
  'call:answer': (payload: AnswerCallPayload, ack: (res: Ack<CallIdAck>) => void) => void;
  'call:reject': (payload: CallReasonPayload, ack: (res: Ack<CallIdAck>) => void) => void;
  'call:end': (payload: CallReasonPayload, ack: (res: Ack<CallIdAck>) => void) => void;
  'call:ice-candidate': (payload: IceCandidatePayload, ack: (res: Ack<CallIdAck>) => void) => void;
  'notification:get-pending': (payload: NoPayload, ack: (res: Ack<{ notifications: Notification[] }>) => void) => void;
  /** A bare id string stands for `{ id }` (docs/protocol.md §9). */
  'notification:read': (payload: NotificationIdPayload | string, ack: (res: Ack<{ id: string }>) => void) => void;
  /** A bare id string stands for `{ id }` (docs/protocol.md §9). */
  'notification:clear': (payload: NotificationIdPayload | string, ack: (res: Ack<{ id: string }>) => void) => void;
  'notification:clear-all': (payload: NoPayload, ack: (res: Ack<{ cleared: number }>) => void) => void;
  'subscribe:notifications': (payload: NoPayload, ack: (res: Ack<{ subscribed: true }>) => void) => void;
  'subscribe:status': (payload: NoPayload, ack: (res: Ack<{ subscribed: true }>) => void) => void;
  'unsubscribe:status': (payload: NoPayload, ack: (res: Ack<{ subscribed: false }>) => void) => void;
  'admin:refresh-status': (payload: NoPayload, ack: (res: Ack<StatusRefreshRequest>) => void) => void;
}

export type ClientEventName = keyof ClientToServerEvents;
export type ClientPayload<E extends ClientEventName> = PayloadOf<ClientToServerEvents[E]>;
export type ClientAckData<E extends ClientEventName> = AckDataOf<ClientToServerEvents[E]>;

export type ServerEventName = keyof ServerToClientEvents;
export type ServerPayload<E extends ServerEventName> = PayloadOf<ServerToClientEvents[E]>;
