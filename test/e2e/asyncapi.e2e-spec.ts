import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { MESSAGE_MAPPING_METADATA, MESSAGE_METADATA } from '@nestjs/websockets/constants.js';
import { Ajv } from 'ajv';
import { type AsyncApiDocument, asyncApiText, buildAsyncApiDocument, CHANNELS, messageId } from '../../src/asyncapi/asyncapi-document.js';
import { CLIENT_EVENTS, INTERNAL_SERVER_EVENTS, SERVER_EVENTS, SERVICE_EVENTS } from '../../src/asyncapi/event-catalog.js';
import { CallGateway } from '../../src/call/call.gateway.js';
import { ChatGateway } from '../../src/chat/chat.gateway.js';
import { ASYNCAPI_FILE, run } from '../../src/cli/asyncapi.js';
import { InternalGateway } from '../../src/internal-gateway/internal.gateway.js';
import { DirectMessageGateway } from '../../src/messaging/direct-message.gateway.js';
import { NotificationGateway } from '../../src/notification/notification.gateway.js';
import { PresenceGateway } from '../../src/presence/presence.gateway.js';
import { canonicalEvent } from '../../src/socket/inbound-normalizer.js';
import { StatusGateway } from '../../src/status/status.gateway.js';
import { UserGateway } from '../../src/user-gateway/user.gateway.js';
import { createClient, nextEvent } from '../support/client.js';
import { startApp, type TestApp, userToken } from '../support/app.js';

type ChannelKey = keyof typeof CHANNELS;

/** The event names a gateway class subscribes to (Nest's @SubscribeMessage metadata). */
function subscribedEvents(...gateways: (new (...args: never[]) => object)[]): string[] {
  const names: string[] = [];
  for (const gateway of gateways) {
    for (const key of Object.getOwnPropertyNames(gateway.prototype)) {
      const method = (gateway.prototype as Record<string, unknown>)[key];
      if (typeof method === 'function' && Reflect.getMetadata(MESSAGE_MAPPING_METADATA, method)) {
        names.push(Reflect.getMetadata(MESSAGE_METADATA, method) as string);
      }
    }
  }
  return names.sort();
}

const sorted = (names: Iterable<string>) => [...names].sort();

describe('AsyncAPI document', () => {
  const doc = buildAsyncApiDocument();
  const tables = {
    user: { inbound: CLIENT_EVENTS, outbound: SERVER_EVENTS },
    internal: { inbound: SERVICE_EVENTS, outbound: INTERNAL_SERVER_EVENTS },
  } as const;

  it('is a valid AsyncAPI 3 document (@asyncapi/parser, no errors or warnings)', async () => {
    const { document, diagnostics } = await new Parser().parse(asyncApiText());
    const problems = diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`);
    expect(problems).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.channels().all().map((c) => c.address()).sort()).toEqual(['/', '/internal']);
  });

  it.each(Object.keys(CHANNELS) as ChannelKey[])('channel %s lists exactly the events of the map, each direction once', (key) => {
    const { inbound, outbound } = tables[key];
    const channel = doc.channels[key];
    expect(channel.address).toBe(CHANNELS[key].address);

    const expectedMessages = [
      ...Object.keys(inbound).flatMap((e) => [messageId(key, 'in', e), messageId(key, 'in', e, true)]),
      ...Object.keys(outbound).map((e) => messageId(key, 'out', e)),
    ];
    expect(sorted(Object.keys(channel.messages))).toEqual(sorted(expectedMessages));

    const operations = Object.entries(doc.operations).filter(([, op]) => op.channel.$ref === `#/channels/${key}`);
    const receive = operations.filter(([, op]) => op.action === 'receive');
    const send = operations.filter(([, op]) => op.action === 'send');
    expect(receive.length + send.length).toBe(operations.length);

    const messageOf = (ref: { $ref: string }) => {
      const id = ref.$ref.replace(`#/channels/${key}/messages/`, '');
      expect(channel.messages[id]).toEqual({ $ref: `#/components/messages/${id}` });
      return doc.components.messages[id] as { name: string; payload: unknown };
    };
    const received = receive.map(([, op]) => {
      const [request] = op.messages.map(messageOf);
      const [reply] = (op.reply?.messages ?? []).map(messageOf);
      expect(reply?.name).toBe(request.name);
      expect(request.payload).toEqual(inbound[request.name as keyof typeof inbound].payload);
      return request.name;
    });
    const sent = send.map(([, op]) => {
      expect(op.reply).toBeUndefined();
      const [message] = op.messages.map(messageOf);
      expect(message.payload).toEqual(outbound[message.name as keyof typeof outbound].payload);
      return message.name;
    });
    expect(sorted(received)).toEqual(sorted(Object.keys(inbound)));
    expect(sorted(sent)).toEqual(sorted(Object.keys(outbound)));
  });

  it('documents exactly the events the gateways handle (and the docs/protocol.md §9 aliases of them)', () => {
    const handled = {
      user: subscribedEvents(UserGateway, DirectMessageGateway, PresenceGateway, ChatGateway, CallGateway, NotificationGateway, StatusGateway),
      internal: subscribedEvents(InternalGateway),
    };
    for (const key of Object.keys(CHANNELS) as ChannelKey[]) {
      const documented = Object.keys(tables[key].inbound);
      // Aliases exist on `/` only.
      const canonicalOf = (e: string) => (key === 'user' ? canonicalEvent(e) : e);
      const canonical = documented.filter((e) => canonicalOf(e) === e);
      const aliases = documented.filter((e) => canonicalOf(e) !== e);
      expect(sorted(canonical)).toEqual(handled[key]);
      for (const alias of aliases) expect(handled[key]).toContain(canonicalOf(alias));
    }
  });

  it('is what the committed asyncapi.json holds (npm run asyncapi writes it; --check agrees)', () => {
    expect(readFileSync(ASYNCAPI_FILE, 'utf8')).toBe(asyncApiText());
    expect(run(['--check'])).toBe(0);
  });

  it('describes what a live gateway sends: the connected event and an ack, validated against the document', async () => {
    const app = await startApp();
    try {
      const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
      ajv.addSchema(doc as unknown as object, 'doc');
      const check = (id: string, value: unknown) => {
        const validate = ajv.compile({ $ref: `doc#/components/messages/${id}/payload` });
        expect({ id, valid: validate(value), errors: validate.errors ?? null }).toEqual({ id, valid: true, errors: null });
      };
      const socket = createClient(app.url, { auth: { token: userToken('asyncapi-u1') } });
      const connected = await nextEvent(socket, 'connected');
      check('user.out.connected', connected);
      check('user.in.chat.join.ack', await socket.emitWithAck('chat:join', { chatId: 'not-mine' }));
      check('user.in.presence.update.ack', await socket.emitWithAck('presence:update', { status: 'busy', customStatus: 'in a call' }));
      check('user.in.get_all_online_users.ack', await socket.emitWithAck('get_all_online_users'));
      check('user.in.message.typing.ack', await socket.emitWithAck('message:typing', { chatId: 'c' }));
      // A wrong document would be caught: an ack without `ok` does not pass.
      const validate = ajv.compile({ $ref: 'doc#/components/messages/user.in.chat.join.ack/payload' });
      expect(validate({ chatId: 'x' })).toBe(false);
      socket.close();
    } finally {
      await app.close();
    }
  });
});

describe('GET /asyncapi.json', () => {
  let dev: TestApp | undefined;
  let prod: TestApp | undefined;

  afterEach(async () => {
    await dev?.close();
    await prod?.close();
    dev = prod = undefined;
  });

  it('serves the generated document in development mode', async () => {
    dev = await startApp();
    expect(dev.config.production).toBe(false);
    const res = await fetch(`${dev.url}/asyncapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.text()).toBe(asyncApiText());
  });

  it('does not exist with NODE_ENV=production (404)', async () => {
    prod = await startApp({ NODE_ENV: 'production' });
    expect(prod.config.production).toBe(true);
    const res = await fetch(`${prod.url}/asyncapi.json`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as AsyncApiDocument & { ok?: boolean }).ok).toBe(false);
  });
});
