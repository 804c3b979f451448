import { canonicalEvent, normalizeInbound as sut } from './inbound-normalizer.js';

const ack = (): void => undefined;

describe('normalizeInbound', () => {
  it("renames Lettera's typing events and keeps their payload and ack", () => {
    expect(sut('user:typing', [{ chatId: 'c1' }, ack])).toEqual({ event: 'message:typing', args: [{ chatId: 'c1' }, ack] });
    expect(sut('user:stop-typing', [{ chatId: 'c1' }])).toEqual({ event: 'message:stop-typing', args: [{ chatId: 'c1' }] });
  });

  it('wraps a bare id string into { id } for notification:read and notification:clear', () => {
    expect(sut('notification:read', ['n-1'])).toEqual({ event: 'notification:read', args: [{ id: 'n-1' }] });
    expect(sut('notification:clear', ['n-2', ack])).toEqual({ event: 'notification:clear', args: [{ id: 'n-2' }, ack] });
  });

  it('leaves an { id } object, and non-string payloads, to validation', () => {
    expect(sut('notification:read', [{ id: 'n-1' }, ack])).toEqual({ event: 'notification:read', args: [{ id: 'n-1' }, ack] });
    expect(sut('notification:read', [7, ack])).toEqual({ event: 'notification:read', args: [7, ack] });
    expect(sut('notification:read', [ack])).toEqual({ event: 'notification:read', args: [ack] });
  });

  it('turns a missing or null payload into {} for events whose fields are all optional, ack last', () => {
    expect(sut('get_all_online_users', [ack])).toEqual({ event: 'get_all_online_users', args: [{}, ack] });
    expect(sut('get_all_online_users', [])).toEqual({ event: 'get_all_online_users', args: [{}] });
    expect(sut('get_all_online_users', [null, ack])).toEqual({ event: 'get_all_online_users', args: [{}, ack] });
    expect(sut('notification:get-pending', [undefined, ack])).toEqual({ event: 'notification:get-pending', args: [{}, ack] });
    for (const event of ['get_online_users', 'get_detailed_online_users', 'notification:clear-all', 'subscribe:notifications', 'subscribe:status', 'unsubscribe:status', 'admin:refresh-status']) {
      expect(sut(event, [ack]).args).toEqual([{}, ack]);
    }
  });

  it('keeps a payload that was given', () => {
    expect(sut('get_all_online_users', [{ limit: 5 }, ack])).toEqual({ event: 'get_all_online_users', args: [{ limit: 5 }, ack] });
    expect(sut('get_all_online_users', ['x'])).toEqual({ event: 'get_all_online_users', args: ['x'] });
  });

  it('passes every other event through untouched, required payloads included', () => {
    const args = [undefined, ack];
    expect(sut('message:new', args)).toEqual({ event: 'message:new', args });
    expect(sut('message:typing', ['c1'])).toEqual({ event: 'message:typing', args: ['c1'] });
    expect(sut('presence:update', [ack])).toEqual({ event: 'presence:update', args: [ack] });
    expect(sut('no-such-event', ['n-1'])).toEqual({ event: 'no-such-event', args: ['n-1'] });
  });
});

describe('canonicalEvent', () => {
  it('names the event an alias stands for, and any other name itself', () => {
    expect(canonicalEvent('user:typing')).toBe('message:typing');
    expect(canonicalEvent('user:stop-typing')).toBe('message:stop-typing');
    expect(canonicalEvent('message:new')).toBe('message:new');
  });
});
