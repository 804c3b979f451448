import { ErrorCode, type ErrorBody } from '../common/error-codes.js';
import type * as E from '../socket/events.js';
import {
  anyJson,
  arrayOf,
  bool,
  enumOf,
  int,
  isoTime,
  jsonObject,
  literal,
  nullable,
  oneOf,
  opt,
  recordOf,
  SchemaRegistry,
  shape,
  str,
} from './typed-schema.js';

/**
 * Hand-written schemas of what the gateway sends (server → client payloads and ack data),
 * each checked by the compiler against its interface in src/socket/events.ts. What clients
 * send is read from the DTOs instead (dto-schema.ts).
 */
export const registry = new SchemaRegistry();
const named = registry.named.bind(registry);

export const errorBody = named(
  'ErrorBody',
  shape<ErrorBody>()({ code: enumOf(Object.values(ErrorCode)), message: str, details: opt(anyJson) }),
);
export const presenceStatus = named('PresenceStatus', enumOf<E.PresenceStatus>(['online', 'away', 'busy', 'offline']));
export const presenceUpdate = named(
  'PresenceUpdate',
  shape<E.PresenceUpdate>()({ userId: str, status: presenceStatus, customStatus: nullable(str), lastSeen: nullable(isoTime) }),
);
export const presenceView = named(
  'PresenceView',
  shape<E.PresenceView>()({ userId: str, status: presenceStatus, customStatus: nullable(str), lastSeen: nullable(isoTime), devices: int }),
);
export const messageType = enumOf<E.MessageType>(['text', 'image', 'video', 'audio', 'file', 'voice']);
export const callType = enumOf<E.CallType>(['audio', 'video']);
export const chatMessage = named(
  'ChatMessage',
  shape<E.ChatMessage>()({
    messageId: str,
    chatId: str,
    senderId: str,
    content: opt(str),
    encryptedContent: opt(str),
    messageType,
    replyToId: opt(str),
    metadata: opt(jsonObject),
    tempId: opt(str),
    timestamp: isoTime,
  }),
);
export const receipt = named('Receipt', shape<E.Receipt>()({ chatId: str, messageIds: arrayOf(str), userId: str, timestamp: isoTime }));
export const typingState = named('TypingState', shape<E.TypingState>()({ chatId: str, userId: str }));
export const reaction = named(
  'Reaction',
  shape<E.Reaction>()({ chatId: str, messageId: str, reaction: str, userId: str, timestamp: isoTime }),
);
export const chatMemberChange = named('ChatMemberChange', shape<E.ChatMemberChange>()({ chatId: str, userId: str }));
export const notification = named(
  'Notification',
  shape<E.Notification>()({ id: str, type: str, title: opt(str), body: opt(str), data: opt(jsonObject), createdAt: isoTime }),
);
export const statusRefreshRequest = named('StatusRefreshRequest', shape<E.StatusRefreshRequest>()({ requestedBy: str, timestamp: isoTime }));
export const recipientReport = named('RecipientReport', shape<E.RecipientReport>()({ total: int, sent: arrayOf(str), failed: arrayOf(str) }));
export const recipientCounts = named(
  'RecipientCounts',
  shape<{ total: number; sent: number; failed: number }>()({ total: int, sent: int, failed: int }),
);
export const serviceSessionInfo = named(
  'ServiceSessionInfo',
  shape<E.ServiceSessionInfo>()({ serviceName: str, serviceType: str, sessionId: str, expiresAt: isoTime }),
);
/** What a backend pushes: any JSON value, passed through. */
export const backendPayload = named('BackendPayload', anyJson);

// Server → client payloads of `/`
export const serverPayloads = {
  connected: shape<E.ConnectedPayload>()({ userId: str, sessionId: str, socketId: str, serverTime: isoTime }),
  authExpired: shape<{ expiredAt: string }>()({ expiredAt: isoTime }),
  authLogout: shape<{ reason: E.LogoutReason }>()({ reason: str }),
  serverShutdown: shape<E.ServerShutdown>()({ reconnect: bool, reconnectAfterMs: int }),
  directMessage: oneOf(
    named('UserDirectMessage', shape<E.UserDirectMessage>()({ from: str, message: str, metadata: jsonObject, timestamp: isoTime })),
    named(
      'ServiceDirectMessage',
      shape<E.ServiceDirectMessage>()({
        message: str,
        metadata: shape<E.ServiceDirectMessage['metadata']>()({
          source: literal('internal_service'),
          serviceName: str,
          serviceType: str,
          timestamp: isoTime,
          metadata: jsonObject,
        }),
      }),
    ),
  ),
  incomingCall: shape<E.IncomingCall>()({ callId: str, callerId: str, callType, sdp: opt(jsonObject), chatId: opt(str) }),
  callAnswered: shape<E.CallAnswered>()({ callId: str, sdp: opt(jsonObject), by: str }),
  callRejected: shape<E.CallRejected>()({ callId: str, reason: opt(str), by: str }),
  callEnded: shape<E.CallEnded>()({ callId: str, reason: str, by: opt(str) }),
  iceCandidate: shape<E.IceCandidate>()({ callId: str, candidate: jsonObject, from: str }),
  notificationId: shape<{ id: string }>()({ id: str }),
  notificationReadError: shape<E.NotificationReadError>()({ id: str, error: errorBody }),
  statusSnapshot: shape<E.StatusSnapshot>()({
    services: recordOf(shape<E.ServiceStatusEntry>()({ status: str, message: opt(str), updatedAt: isoTime })),
  }),
  serviceStatus: shape<E.ServiceStatusChange>()({ service: str, status: str, message: opt(str), timestamp: isoTime }),
};
