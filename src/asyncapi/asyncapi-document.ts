import { readFileSync } from 'node:fs';
import { CLIENT_EVENTS, INTERNAL_SERVER_EVENTS, type InboundDoc, type OutboundDoc, SERVER_EVENTS, SERVICE_EVENTS } from './event-catalog.js';
import { errorBody, registry } from './schemas.js';
import { type JsonSchema, none } from './typed-schema.js';

export const ASYNCAPI_VERSION = '3.0.0';

/** The two Socket.IO namespaces, as AsyncAPI channels. */
export const CHANNELS = {
  user: { address: '/', inbound: CLIENT_EVENTS, outbound: SERVER_EVENTS },
  internal: { address: '/internal', inbound: SERVICE_EVENTS, outbound: INTERNAL_SERVER_EVENTS },
} as const;

type Ref = { $ref: string };
export interface AsyncApiDocument {
  asyncapi: string;
  info: { title: string; version: string; description: string };
  defaultContentType: string;
  servers: Record<string, JsonSchema>;
  channels: Record<string, { address: string; title: string; description: string; messages: Record<string, Ref> }>;
  operations: Record<string, { action: 'send' | 'receive'; channel: Ref; title: string; summary: string; messages: Ref[]; reply?: { channel: Ref; messages: Ref[] } }>;
  components: { messages: Record<string, JsonSchema>; schemas: Record<string, JsonSchema> };
}

const CHANNEL_TEXT = {
  user: {
    title: 'User connections',
    description: 'Browsers and apps, authenticated at the handshake with a JWT (`auth.token`, `Authorization: Bearer`, or `?token=`).',
  },
  internal: {
    title: 'Backend services',
    description: 'Backend services, authenticated with `auth: { serviceName, serviceKey }` or `authenticate_service` within 5 s.',
  },
} as const;

const DESCRIPTION = [
  'Socket.IO 4 events of the realtime gateway, generated from src/socket/events.ts (npm run asyncapi).',
  'Each message is one Socket.IO event: its `name` is the event name, its payload the first argument.',
  "A `receive` operation is an event the gateway receives; its `reply` is the acknowledgement the client's ack callback",
  'gets, always the envelope `{ ok: true, data? } | { ok: false, error: { code, message, details? } }` (docs/protocol.md §2.3).',
  'A `send` operation is an event the gateway emits. Backends may push further event names listed in EMIT_ALLOWED_EVENTS;',
  'their payloads are their own.',
].join(' ');

/** A component key for an event name (AsyncAPI keys allow letters, digits, `.`, `-`, `_`). */
export function messageId(channel: keyof typeof CHANNELS, direction: 'in' | 'out', event: string, ack = false): string {
  return `${channel}.${direction}.${event.replace(/[^A-Za-z0-9_-]/g, '.')}${ack ? '.ack' : ''}`;
}

function ackEnvelope(data: JsonSchema): JsonSchema {
  const success: JsonSchema = {
    type: 'object',
    required: ['ok'],
    properties: { ok: { const: true }, ...(data === none ? {} : { data }) },
  };
  const failure: JsonSchema = { type: 'object', required: ['ok', 'error'], properties: { ok: { const: false }, error: errorBody } };
  return { oneOf: [success, failure] };
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The AsyncAPI 3 document of both namespaces; the same input always gives the same text. */
export function buildAsyncApiDocument(): AsyncApiDocument {
  const doc: AsyncApiDocument = {
    asyncapi: ASYNCAPI_VERSION,
    info: { title: 'Realtime gateway', version: packageVersion(), description: DESCRIPTION },
    defaultContentType: 'application/json',
    servers: {
      gateway: {
        host: 'localhost:3000',
        protocol: 'ws',
        pathname: '/socket.io/',
        description: 'Socket.IO (Engine.IO 4) on the gateway’s HOST:PORT; `/internal` moves to INTERNAL_PORT when that is set.',
      },
    },
    channels: {},
    operations: {},
    components: { messages: {}, schemas: {} },
  };
  for (const [key, channel] of Object.entries(CHANNELS) as [keyof typeof CHANNELS, (typeof CHANNELS)[keyof typeof CHANNELS]][]) {
    const channelRef = { $ref: `#/channels/${key}` };
    const messages: Record<string, Ref> = {};
    const addMessage = (id: string, message: JsonSchema): Ref => {
      if (doc.components.messages[id]) throw new Error(`Duplicate message id ${id}`);
      doc.components.messages[id] = message;
      messages[id] = { $ref: `#/components/messages/${id}` };
      return { $ref: `#/channels/${key}/messages/${id}` };
    };
    for (const [event, spec] of Object.entries(channel.inbound) as [string, InboundDoc<unknown, unknown>][]) {
      const id = messageId(key, 'in', event);
      const request = addMessage(id, { name: event, title: event, summary: spec.summary, payload: spec.payload });
      const reply = addMessage(messageId(key, 'in', event, true), {
        name: event,
        title: `${event} (ack)`,
        summary: `The acknowledgement of \`${event}\`.`,
        payload: ackEnvelope(spec.ack),
      });
      doc.operations[id] = {
        action: 'receive',
        channel: channelRef,
        title: event,
        summary: spec.summary,
        messages: [request],
        reply: { channel: channelRef, messages: [reply] },
      };
    }
    for (const [event, spec] of Object.entries(channel.outbound) as [string, OutboundDoc<unknown>][]) {
      const id = messageId(key, 'out', event);
      const message = addMessage(id, { name: event, title: event, summary: spec.summary, payload: spec.payload });
      doc.operations[id] = { action: 'send', channel: channelRef, title: event, summary: spec.summary, messages: [message] };
    }
    doc.channels[key] = { address: channel.address, ...CHANNEL_TEXT[key], messages };
  }
  doc.components.schemas = registry.all();
  return doc;
}

/** The document as the text `npm run asyncapi` writes and GET /asyncapi.json serves. */
export function asyncApiText(): string {
  return `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`;
}
