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
  });
});
