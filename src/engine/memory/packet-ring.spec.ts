import { PacketRing } from './packet-ring.js';

const all = (ring: PacketRing, seq = 0) => [...ring.from(seq)].map((r) => [r.seq, r.label, r.text]);

describe('PacketRing', () => {
  it('gives the records back from a sequence number on, in order, label and text as written', () => {
    const ring = new PacketRing(1024, 60_000);
    expect(ring.push('user:a', '2["x",1]', 0)).toBe(0);
    expect(ring.push('user:é', '2["ü",2]', 0)).toBe(1);
    expect(ring.push('', 'plain', 0)).toBe(2);
    expect(all(ring)).toEqual([
      [0, 'user:a', '2["x",1]'],
      [1, 'user:é', '2["ü",2]'],
      [2, '', 'plain'],
    ]);
    expect(all(ring, 2)).toEqual([[2, '', 'plain']]);
    expect(all(ring, 3)).toEqual([]);
    expect(ring.size).toBe(Buffer.byteLength('user:a2["x",1]user:é2["ü",2]plain'));
  });

  it('never holds more than its bound: the oldest records go first', () => {
    const ring = new PacketRing(100, 60_000);
    for (let i = 0; i < 50; i++) ring.push('r', `${i}`.padStart(9, '.'), 0);
    expect(ring.size).toBeLessThanOrEqual(100);
    expect(ring.count).toBe(10);
    expect(ring.firstSeq).toBe(40);
    expect(all(ring).map(([seq]) => seq)).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
    expect(all(ring).map(([, , text]) => text)).toEqual(Array.from({ length: 10 }, (_, i) => `${40 + i}`.padStart(9, '.')));
  });

  it('drops records older than its age bound', () => {
    const ring = new PacketRing(1024, 1000);
    ring.push('r', 'old', 0);
    ring.push('r', 'mid', 600);
    ring.push('r', 'new', 1500);
    expect(all(ring)).toEqual([
      [1, 'r', 'mid'],
      [2, 'r', 'new'],
    ]);
    ring.dropOlderThan(1600);
    expect(all(ring)).toEqual([]);
    expect(ring.size).toBe(0);
    expect(ring.nextSeq).toBe(3);
  });

  it('counts extra bytes against the bound without writing them', () => {
    const ring = new PacketRing(100, 60_000);
    ring.push('r', 'a', 0, 60);
    ring.push('r', 'b', 0, 60);
    expect(all(ring)).toEqual([[1, 'r', 'b']]);
    expect(ring.size).toBe(62);
  });

  it('empties itself for a record larger than the bound, so nobody resumes across it', () => {
    const ring = new PacketRing(64, 60_000);
    ring.push('r', 'a', 0);
    expect(ring.push('r', 'x'.repeat(100), 0)).toBe(1);
    expect(ring.count).toBe(0);
    expect(ring.firstSeq).toBe(2);
    expect(ring.push('r', 'b', 0)).toBe(2);
    expect(all(ring)).toEqual([[2, 'r', 'b']]);
  });

  it('matches a plain model through wrap-arounds, growth and evictions of records of every size', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const bound = 3000;
    const ring = new PacketRing(bound, 500);
    let model: Array<[number, string, string, number]> = [];
    let now = 0;
    for (let i = 0; i < 4000; i++) {
      now += Math.floor(random() * 3);
      const label = random() < 0.1 ? '' : `user:${Math.floor(random() * 50)}`;
      const text = 'é'.repeat(Math.floor(random() * 4)) + 'x'.repeat(Math.floor(random() * (random() < 0.01 ? 3500 : 120)));
      const seq = ring.push(label, text, now);
      model = model.filter(([, , , at]) => at >= now - 500);
      const length = Buffer.byteLength(label) + Buffer.byteLength(text);
      if (length > bound) model = [];
      else model.push([seq, label, text, now]);
      // The ring may drop more than the model (its free space is contiguous), never keep what the
      // model dropped, and never exceed the bound.
      const kept = all(ring);
      expect(kept).toEqual(model.slice(model.length - kept.length).map(([s, l, t]) => [s, l, t]));
      expect(ring.size).toBeLessThanOrEqual(bound);
      if (length <= bound) expect(kept.at(-1)?.[0]).toBe(seq);
      model = model.slice(model.length - kept.length);
      if (i % 100 === 0) expect(ring.size).toBe(kept.reduce((n, [, l, t]) => n + Buffer.byteLength(l as string) + Buffer.byteLength(t as string), 0));
    }
  });

  it('keeps every record while the rate rises and old records lapse, wrapping around its buffer', () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const bound = 512 * 1024;
    const ring = new PacketRing(bound, 40);
    let model: Array<[number, string, string, number]> = [];
    let pushed = 0;
    for (let now = 0; now < 200; now++) {
      const perTick = 1 + Math.floor(now / 4) + Math.floor(random() * 8);
      for (let k = 0; k < perTick; k++) {
        const label = `user:${Math.floor(random() * 50)}`;
        const text = 'é'.repeat(Math.floor(random() * 3)) + 'x'.repeat(50 + Math.floor(random() * 1500));
        model.push([ring.push(label, text, now), label, text, now]);
        pushed += Buffer.byteLength(label) + Buffer.byteLength(text);
      }
      model = model.filter(([, , , at]) => at >= now - 40);
      const kept = all(ring);
      expect(kept).toEqual(model.slice(model.length - kept.length).map(([s, l, t]) => [s, l, t]));
      model = model.slice(model.length - kept.length);
      expect(ring.size).toBe(kept.reduce((n, [, l, t]) => n + Buffer.byteLength(l as string) + Buffer.byteLength(t as string), 0));
      expect(ring.size).toBeLessThanOrEqual(bound);
    }
    // Written many times over: the records wrapped around the buffer again and again.
    expect(pushed).toBeGreaterThan(5 * bound);
  });

  it('adds slots when its records are smaller than it reserved slots for', () => {
    const ring = new PacketRing(64 * 1024, 1000);
    for (let i = 0; i < 5000; i++) expect(ring.push('u', String(i % 10), 0)).toBe(i);
    expect(ring.count).toBe(5000);
    expect(all(ring).map(([seq, , text]) => `${seq}:${text}`)).toEqual(Array.from({ length: 5000 }, (_, i) => `${i}:${i % 10}`));
  });
});
