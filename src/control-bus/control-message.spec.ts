import { ControlCodec } from './control-codec.js';
import { ControlMessageError, parseControlMessage } from './control-message.js';
import { encryptField, encryptJson, sealMessage } from './producer.js';

const SECRETS = { secretKey: 'bus-secret-key', secretIv: 'bus-secret-iv' };
const codec = new ControlCodec(SECRETS);

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ControlMessageError) return `${err.reason}${err.field ? `:${err.field}` : ''}`;
    throw err;
  }
  return 'parsed';
}

describe('parseControlMessage', () => {
  describe('emit', () => {
    it('reads a plaintext message with any JSON payload', () => {
      const sut = parseControlMessage('emit', JSON.stringify({ encrypted: false, userId: 'u1', event: 'message', payload: [1, { a: 2 }] }), codec, true);
      expect(sut).toEqual({ channel: 'emit', emit: { userId: 'u1', userIds: undefined, room: undefined, event: 'message', payload: [1, { a: 2 }] } });
    });

    it.each(['cbc', 'gcm'] as const)('decrypts every field in the %s format, user_id spelling included', (format) => {
      const enc = (t: string) => encryptField(t, { ...SECRETS, format });
      const raw = JSON.stringify({ user_id: enc('u2'), event: enc('notification:new'), payload: encryptJson({ n: 1 }, { ...SECRETS, format }) });
      expect(parseControlMessage('emit', raw, codec, true)).toEqual({
        channel: 'emit',
        emit: { userId: 'u2', userIds: undefined, room: undefined, event: 'notification:new', payload: { n: 1 } },
      });
    });

    it('decrypts each element of userIds and the room', () => {
      const enc = (t: string) => encryptField(t, SECRETS);
      const users = parseControlMessage('emit', JSON.stringify({ userIds: [enc('a'), enc('b')], event: enc('message') }), codec, true);
      expect(users.channel === 'emit' && users.emit).toMatchObject({ userIds: ['a', 'b'] });
      const room = parseControlMessage('emit', JSON.stringify({ room: enc('chat:1'), event: enc('message') }), codec, true);
      expect(room.channel === 'emit' && room.emit).toMatchObject({ room: 'chat:1' });
    });
  });

  describe('force-logout and kick', () => {
    it('reads force-logout and kick (invalidateSession stays a plain boolean)', () => {
      const enc = (t: string) => encryptField(t, SECRETS);
      expect(parseControlMessage('force-logout', JSON.stringify({ userId: enc('u'), sessionId: enc('s') }), codec, true)).toEqual({
        channel: 'force-logout',
        userId: 'u',
        sessionId: 's',
      });
      expect(parseControlMessage('kick', JSON.stringify({ userId: enc('u'), reason: enc('banned'), invalidateSession: true }), codec, true)).toEqual({
        channel: 'kick',
        userId: 'u',
        reason: 'banned',
        invalidateSession: true,
      });
    });
  });

  describe('malformed messages', () => {
    const plain = (m: object) => JSON.stringify({ encrypted: false, ...m });
    it.each([
      ['emit', '{oops', 'bad_json'],
      ['emit', '[1,2]', 'bad_json'],
      ['emit', '"text"', 'bad_json'],
      ['emit', plain({ userId: 'u' }), 'missing_field:event'],
      ['emit', plain({ userId: 7, event: 'message' }), 'invalid_field:userId'],
      ['emit', plain({ userId: 'u', event: 'has space' }), 'invalid_field:event'],
      ['emit', plain({ userIds: [], event: 'message' }), 'invalid_field:userIds'],
      ['emit', plain({ event: 'message' }), 'missing_field:userId'],
      ['emit', plain({ userIds: ['a'], room: 'r', event: 'message' }), 'invalid_field:userIds'],
      ['emit', plain({ room: 'r'.repeat(257), event: 'message' }), 'invalid_field:room'],
      ['emit', plain({ userId: 'u', event: 'm', payload: JSON.parse('['.repeat(17) + ']'.repeat(17)) as unknown }), 'invalid_field:payload'],
      ['emit', plain({ userId: 'x'.repeat(129), event: 'message' }), 'invalid_field:userId'],
      ['emit', JSON.stringify({ encrypted: 'no', userId: 'u', event: 'm' }), 'invalid_field:encrypted'],
      ['emit', JSON.stringify({ userId: 'plain-text', event: 'message' }), 'decrypt_failed:userId'],
      ['force-logout', plain({ userId: 'u' }), 'missing_field:sessionId'],
      ['kick', plain({ userId: 'u', invalidateSession: 'yes' }), 'invalid_field:invalidateSession'],
      ['kick', 'x'.repeat(1024 * 1024 + 1), 'too_large'],
    ] as const)('%s %s → %s', (channel, raw, expected) => {
      expect(reasonOf(() => parseControlMessage(channel, raw, codec, true))).toBe(expected);
    });

    it('rejects a field encrypted with another key and a tampered GCM tag', () => {
      const other = encryptField('u', { secretKey: 'other-key', secretIv: 'bus-secret-iv', format: 'cbc' });
      expect(reasonOf(() => parseControlMessage('kick', JSON.stringify({ userId: other }), codec, true))).toBe('decrypt_failed:userId');
      const [iv, ct, tag] = encryptField('u', SECRETS).split(':');
      const flipped = Buffer.from(tag, 'base64');
      flipped[0] ^= 1;
      const tampered = `${iv}:${ct}:${flipped.toString('base64')}`;
      expect(reasonOf(() => parseControlMessage('kick', JSON.stringify({ userId: tampered }), codec, true))).toBe('decrypt_failed:userId');
    });

    it('refuses plaintext when not allowed and encrypted fields without a key', () => {
      expect(reasonOf(() => parseControlMessage('kick', JSON.stringify({ encrypted: false, userId: 'u' }), codec, false))).toBe('plaintext_refused');
      const keyless = new ControlCodec({});
      expect(reasonOf(() => parseControlMessage('kick', JSON.stringify({ userId: encryptField('u', SECRETS) }), keyless, true))).toBe('no_key');
    });
  });

  describe('sealed messages', () => {
    const now = 1_800_000_000_000;
    const rules = (channelName: string, allowLegacy = true) => ({ channelName, allowLegacy, now });
    const seal = (channel: string, message: Record<string, unknown>, ts = now) => sealMessage(channel, message, { secretKey: SECRETS.secretKey, ts, id: 'id-1' });

    it('opens a sealed kick for its channel and returns its id', () => {
      const raw = seal('p:kick', { userId: 'u', reason: 'r' });
      expect(parseControlMessage('kick', raw, codec, false, rules('p:kick', false))).toEqual({ channel: 'kick', userId: 'u', reason: 'r', invalidateSession: false, sealedId: 'id-1' });
    });

    it('refuses another channel, a ts outside 60 s, and legacy forms when not allowed', () => {
      expect(reasonOf(() => parseControlMessage('kick', seal('p:force-logout', { userId: 'u' }), codec, true, rules('p:kick')))).toBe('decrypt_failed:sealed');
      expect(reasonOf(() => parseControlMessage('kick', seal('p:kick', { userId: 'u' }, now - 60_001), codec, true, rules('p:kick')))).toBe('stale:ts');
      expect(reasonOf(() => parseControlMessage('kick', seal('p:kick', { userId: 'u' }, now + 60_001), codec, true, rules('p:kick')))).toBe('stale:ts');
      expect(reasonOf(() => parseControlMessage('kick', JSON.stringify({ userId: encryptField('u', SECRETS) }), codec, true, rules('p:kick', false)))).toBe('legacy_refused');
      expect(reasonOf(() => parseControlMessage('kick', JSON.stringify({ encrypted: false, userId: 'u' }), codec, true, rules('p:kick', false)))).toBe('legacy_refused');
    });
  });
});
