// Types of bench/loadgen.mjs for the TypeScript tests that drive it.

export function nowUs(): number;
export function cpuUs(): number;
export function signHs256(claims: Record<string, unknown>, secret: string): string;
export function benchToken(i: number, secret: string, prefix?: string): string;
export const HIST_BUCKETS: number;
export function bucketOf(us: number): number;
export function summarize(
  hists: ArrayLike<number>[],
  maxUs: number,
): { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null };

export interface RampResult {
  attempted: number;
  connected: number;
  refused: number;
  failed: number;
  /** Up to five reasons (the server's connect_error message for refusals) and their counts. */
  errors: Record<string, number>;
  startUs: number;
  endUs: number;
}

export interface LoadStats {
  open: number;
  received: number;
  other: number;
  disconnects: number;
  hist: Uint32Array;
  maxUs: number;
  /** CPU time of the generator's process so far. */
  cpuUs: number;
}

export interface ConnectOptions {
  urls: string[];
  first?: number;
  count: number;
  tokenFor: (i: number) => string;
  concurrency?: number;
  handshakeTimeoutMs?: number;
  limitMs?: number;
}

export class LoadGen {
  constructor(options?: { event?: string });
  connect(options: ConnectOptions): Promise<RampResult>;
  stats(): LoadStats;
  resetStats(): void;
  openIndexes(): number[];
  closeAll(limitMs?: number): Promise<void>;
}
