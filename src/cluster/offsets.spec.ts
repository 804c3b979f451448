import { formatOffset, parseOffset, sameEpoch } from './offsets.js';

describe('formatOffset / parseOffset', () => {
  it('writes the epoch and the position in base 36 and reads them back', () => {
    const offset = formatOffset({ epoch: '1733456789', n: 123456 });
    expect(offset).toBe(`${(1733456789).toString(36)}.${(123456).toString(36)}`);
    expect(parseOffset(offset)).toEqual({ epochTag: (1733456789).toString(36), n: 123456 });
    expect(sameEpoch(parseOffset(offset)!.epochTag, '1733456789')).toBe(true);
    expect(sameEpoch(parseOffset(offset)!.epochTag, '1733456790')).toBe(false);
  });

  it.each([undefined, 42, '', 'abc', '1-2', 'a.b.c', 'Z.1', `${'a'.repeat(17)}.1`, 'a.', '.1', 'a.1 '])('refuses %p', (offset) => {
    expect(parseOffset(offset)).toBeUndefined();
  });
});
