import { keepsGcHelpers } from './gc-tuning.js';

describe('keepsGcHelpers', () => {
  it('auto keeps the helpers only with more than one CPU', () => {
    expect(keepsGcHelpers('auto', 1)).toBe(false);
    expect(keepsGcHelpers('auto', 2)).toBe(true);
    expect(keepsGcHelpers('auto', 64)).toBe(true);
  });

  it('on and off override the CPU count', () => {
    expect(keepsGcHelpers('on', 1)).toBe(true);
    expect(keepsGcHelpers('off', 8)).toBe(false);
  });
});
