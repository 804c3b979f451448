/** What a stored record is addressed to: the label is decoded back as it was written. */
export interface RingRecord {
  seq: number;
  label: string;
  text: string;
}

const INITIAL_SLOTS = 1024;
/** Slots reserved up front: one per this many bytes of the bound (more are added if records are smaller). */
const BYTES_PER_SLOT = 128;

/**
 * Numbered text records (a label and a body) in one byte buffer outside the JS heap, oldest
 * dropped first past `maxBytes` or `maxAgeMs`.
 *
 * The connection-state recovery buffer keeps every packet for minutes at thousands per second;
 * held as JS strings they are all promoted to the old generation and later collected there,
 * and those major collections stall the event loop. Here a record costs no heap object: its
 * bytes go into a ring `Buffer`, its position, sizes and time into typed arrays indexed by
 * sequence number.
 *
 * The buffer is allocated at its bound once, when the ring is made: the operating system maps its
 * pages as they are first written, so an idle ring holds no memory. Grown by doubling under load
 * instead, each growth copied the ring and added tens of MB of external memory at once, which
 * made V8 start a major collection: a stall of a few hundred ms (docs/performance.md).
 */
export class PacketRing {
  private readonly bytes: Buffer;
  private slots = 0;
  private starts = new Uint32Array(0);
  private labelLengths = new Uint32Array(0);
  private textLengths = new Uint32Array(0);
  private lengths = new Uint32Array(0);
  private times = new Float64Array(0);
  /** Sequence number of the oldest kept record; `next` is the one the next record gets. */
  private first = 0;
  private next = 0;
  private writeAt = 0;
  private used = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxAgeMs: number,
  ) {
    this.bytes = Buffer.allocUnsafeSlow(maxBytes);
    if (maxBytes > 0) this.growSlots(Math.max(INITIAL_SLOTS, 2 ** Math.ceil(Math.log2(maxBytes / BYTES_PER_SLOT))));
  }

  /** Bytes held by the kept records (at most `maxBytes`). */
  get size(): number {
    return this.used;
  }

  get count(): number {
    return this.next - this.first;
  }

  /** Sequence number of the oldest kept record (equals `nextSeq` when empty). */
  get firstSeq(): number {
    return this.first;
  }

  get nextSeq(): number {
    return this.next;
  }

  /**
   * Adds a record and returns its sequence number. `extraBytes` are counted against the bound
   * as if written (for what the caller keeps elsewhere). A record larger than the whole bound
   * empties the ring (so no reader resumes across the gap it leaves) and is not kept.
   */
  push(label: string, text: string, now: number, extraBytes = 0): number {
    const seq = this.next;
    const labelLength = Buffer.byteLength(label);
    const textLength = Buffer.byteLength(text);
    const length = labelLength + textLength + extraBytes;
    this.dropOlderThan(now - this.maxAgeMs);
    if (length > this.maxBytes) {
      while (this.first < this.next) this.dropOldest();
      this.first = this.next = seq + 1;
      return seq;
    }
    const at = this.reserve(length);
    if (this.next - this.first + 1 > this.slots) this.growSlots();
    this.bytes.write(label, at, labelLength, 'utf8');
    this.bytes.write(text, at + labelLength, textLength, 'utf8');
    const slot = seq & (this.slots - 1);
    this.starts[slot] = at;
    this.labelLengths[slot] = labelLength;
    this.textLengths[slot] = textLength;
    this.lengths[slot] = length;
    this.times[slot] = now;
    this.writeAt = at + length;
    this.used += length;
    this.next = seq + 1;
    return seq;
  }

  /** The records from `seq` on, oldest first (from the oldest kept when `seq` is older). */
  *from(seq: number): Generator<RingRecord> {
    for (let s = Math.max(seq, this.first); s < this.next; s++) {
      const slot = s & (this.slots - 1);
      const at = this.starts[slot];
      const labelEnd = at + this.labelLengths[slot];
      yield {
        seq: s,
        label: this.bytes.toString('utf8', at, labelEnd),
        text: this.bytes.toString('utf8', labelEnd, labelEnd + this.textLengths[slot]),
      };
    }
  }

  /** Drops the records written before `threshold` (the ring is in time order). */
  dropOlderThan(threshold: number): void {
    while (this.first < this.next && this.times[this.first & (this.slots - 1)] < threshold) this.dropOldest();
  }

  private dropOldest(): void {
    this.used -= this.lengths[this.first & (this.slots - 1)];
    this.first++;
    if (this.first === this.next) this.writeAt = 0;
  }

  /**
   * Where `length` (at most the bound) contiguous bytes fit: after the newest record, else at the
   * start of the buffer, else where dropping the oldest records makes room. The kept records run
   * from the oldest's start (`tail`) to `writeAt`, wrapping at most once.
   */
  private reserve(length: number): number {
    for (;;) {
      if (this.first === this.next) return 0;
      const tail = this.starts[this.first & (this.slots - 1)];
      if (this.writeAt > tail) {
        if (this.bytes.length - this.writeAt >= length) return this.writeAt;
        if (tail >= length) return 0;
      } else if (tail - this.writeAt >= length) {
        return this.writeAt;
      }
      this.dropOldest();
    }
  }

  private growSlots(slots = Math.max(INITIAL_SLOTS, this.slots * 2)): void {
    const starts = new Uint32Array(slots);
    const labelLengths = new Uint32Array(slots);
    const textLengths = new Uint32Array(slots);
    const lengths = new Uint32Array(slots);
    const times = new Float64Array(slots);
    for (let s = this.first; s < this.next; s++) {
      const from = s & (this.slots - 1);
      const to = s & (slots - 1);
      starts[to] = this.starts[from];
      labelLengths[to] = this.labelLengths[from];
      textLengths[to] = this.textLengths[from];
      lengths[to] = this.lengths[from];
      times[to] = this.times[from];
    }
    this.slots = slots;
    this.starts = starts;
    this.labelLengths = labelLengths;
    this.textLengths = textLengths;
    this.lengths = lengths;
    this.times = times;
  }
}
