/*
 * The service namespace `/internal` (docs/protocol.md §6.2): what backend services send the gateway
 * and what it sends them. Types only.
 */

import type { Ack, AckDataOf, BackendPayload, ErrorBody, JsonObject, PayloadOf } from './contract.js';
import type { PresenceView, RecipientReport, SendMessagePayload, UserIdsPayload } from './user-events.js';

export interface ServiceCredentials {
  serviceName: string;
  serviceKey: string;
}

export interface RegisterServicePayload extends ServiceCredentials {
  serviceType: string;
  description?: string;
  metadata?: JsonObject;
}

export interface ServiceSessionInfo {
  serviceName: string;
  serviceType: string;
  sessionId: string;
  expiresAt: string;
}

export interface RegisterServiceAck {
  serviceName: string;
  status: 'pending' | 'active' | 'disabled';
}

export interface ServiceSendMessagePayload extends SendMessagePayload {
  /** The event users receive [message]; must be in EMIT_ALLOWED_EVENTS. */
  event?: string;
}

export interface ServiceSendReport {
  status: 'sent';
  recipients: RecipientReport;
  timestamp: string;
}

/** POST /internal/emit and the `emit` event: exactly one of userId, userIds, room. */
export interface EmitPayload {
  userId?: string;
  userIds?: string[];
  room?: string;
  event: string;
  payload?: BackendPayload;
  idempotencyKey?: string;
}

/** Counts for user targets, the room otherwise. */
export interface EmitAck {
  recipients?: { total: number; sent: number; failed: number };
  room?: string;
}

export interface ForceLogoutPayload {
  userId: string;
  sessionId: string;
}

export interface KickPayload {
  userId: string;
  reason?: string;
  invalidateSession?: boolean;
}

export interface RevokedSessionsAck {
  revokedSessions: number;
}

export interface NotificationBody {
  id?: string;
  type: string;
  title?: string;
  body?: string;
  data?: JsonObject;
}

/** Exactly one of userId, userIds. */
export interface PushNotificationPayload {
  userId?: string;
  userIds?: string[];
  notification: NotificationBody;
}

export interface PushNotificationAck {
  id: string;
  recipients: { total: number; sent: number; failed: number };
}

export interface ReportStatusPayload {
  service: string;
  status: string;
  message?: string;
}

export interface ReportStatusAck {
  service: string;
  status: string;
  timestamp: string;
}

/** Client → server events of `/internal`: a backend service's actions. */
export interface InternalClientToServerEvents {
  authenticate_service: (payload: ServiceCredentials, ack: (res: Ack<ServiceSessionInfo>) => void) => void;
  register_service: (payload: RegisterServicePayload, ack: (res: Ack<RegisterServiceAck>) => void) => void;
  send_message: (payload: ServiceSendMessagePayload, ack: (res: Ack<ServiceSendReport>) => void) => void;
  emit: (payload: EmitPayload, ack: (res: Ack<EmitAck>) => void) => void;
  force_logout: (payload: ForceLogoutPayload, ack: (res: Ack<RevokedSessionsAck>) => void) => void;
  kick: (payload: KickPayload, ack: (res: Ack<RevokedSessionsAck>) => void) => void;
  notify: (payload: PushNotificationPayload, ack: (res: Ack<PushNotificationAck>) => void) => void;
  report_status: (payload: ReportStatusPayload, ack: (res: Ack<ReportStatusAck>) => void) => void;
  get_online_users: (payload: UserIdsPayload, ack: (res: Ack<{ users: PresenceView[] }>) => void) => void;
}

export interface ServiceSessionExpired {
  reason: 'expired' | 'idle';
  sessionId?: string;
}

/** Server → client events of `/internal`. */
export interface InternalServerToClientEvents {
  /** Sent at once when the handshake carried valid credentials. */
  authenticated: (payload: ServiceSessionInfo) => void;
  /** A failed event sent without an ack, or the 5 s authentication deadline (`AUTH_REQUIRED`). */
  error: (payload: ErrorBody) => void;
  'session:expired': (payload: ServiceSessionExpired) => void;
}

export type ServiceEventName = keyof InternalClientToServerEvents;
export type ServicePayload<E extends ServiceEventName> = PayloadOf<InternalClientToServerEvents[E]>;
export type ServiceAckData<E extends ServiceEventName> = AckDataOf<InternalClientToServerEvents[E]>;

export type InternalServerEventName = keyof InternalServerToClientEvents;
export type InternalServerPayload<E extends InternalServerEventName> = PayloadOf<InternalServerToClientEvents[E]>;
