import { formatOffset, parseOffset } from './offsets.js';

describe('formatOffset / parseOffset', () => {
  it('writes a position in base 36 and reads it back', () => {
    const position = 1_733_456_789_123_456;
    expect(formatOffset(position)).toBe(position.toString(36));
    expect(parseOffset(formatOffset(position))).toBe(position);
  });

  it.each([undefined, 42, '', '0', 'ABC', '1-2', 'a.b', `${'z'.repeat(12)}`, 'a ', '-1'])('refuses %p', (offset) => {
    expect(parseOffset(offset)).toBeUndefined();
  });
});
