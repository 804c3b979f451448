import { EventAllowlist } from './event-allowlist.js';

describe('EventAllowlist', () => {
  describe('allows', () => {
    const sut = new EventAllowlist(['message', 'notification:*']);

    it.each([
      ['message', true],
      ['notification:new', true],
      ['notification:', true],
      ['message:new', false],
      ['messages', false],
      ['notification', false],
      ['', false],
    ])('%s → %s', (event, expected) => {
      expect(sut.allows(event)).toBe(expected);
    });

    it('allows everything with a bare "*"', () => {
      expect(new EventAllowlist(['*']).allows('anything:at:all')).toBe(true);
    });

    it.each(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'])(
      'never allows the reserved "%s", not even under "*"',
      (event) => {
        expect(new EventAllowlist(['*', event]).allows(event)).toBe(false);
      },
    );
  });
});
