import { DEFAULT_OTHER_LIMIT, EventRateLimits } from './event-rate-limits.js';

describe('EventRateLimits', () => {
  describe('ruleFor', () => {
    it.each([
      ['message:new', [30, 60_000]],
      ['message:typing', [10, 10_000]],
      ['message:delivered', [100, 60_000]],
      ['message:read', [100, 60_000]],
      ['presence:update', [20, 60_000]],
      ['call:initiate', [5, 60_000]],
      ['reaction:new', [50, 60_000]],
      ['reaction:remove', [50, 60_000]],
      ['send_message', [30, 60_000]],
      ['auth:refresh', [120, 60_000]],
      ['toString', [120, 60_000]],
    ])('uses the table of docs/protocol.md §4.9 for %s', (event, rule) => {
      expect(new EventRateLimits().ruleFor(event)).toEqual(rule);
    });

    it('lets RATE_LIMITS override single events and, with "*", every other event', () => {
      const sut = new EventRateLimits({ 'message:new': [3, 1000], '*': [7, 2000] });
      expect(sut.ruleFor('message:new')).toEqual([3, 1000]);
      expect(sut.ruleFor('message:typing')).toEqual([10, 10_000]);
      expect(sut.ruleFor('auth:refresh')).toEqual([7, 2000]);
      expect(new EventRateLimits({ 'message:new': [3, 1000] }).ruleFor('other')).toEqual(DEFAULT_OTHER_LIMIT);
    });
  });
});
