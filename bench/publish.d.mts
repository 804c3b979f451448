// Types of bench/publish.mjs for the TypeScript tests that drive it.

export interface PostResult {
  status: number;
  body: unknown;
}

export class Publisher {
  constructor(base: string, secret: string, maxSockets: number);
  post(path: string, payload: unknown, timeoutMs?: number): Promise<PostResult>;
  close(): void;
}

export function closedLoop(
  publisher: Publisher,
  path: string,
  body: unknown,
  options: { requests: number; concurrency: number; limitMs: number },
): Promise<{ done: number; failed: number; ms: number }>;

export interface StepResult {
  posts: number;
  sent: number;
  answered: number;
  ok: number;
  failed: number;
  expected: number;
  abandoned: number;
  errors: Record<string, number>;
  sendSeconds: number;
  /** Time from sending each request to its answer. */
  answer: { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null };
}

export function rateStep(options: {
  publishers: Publisher[];
  path: string;
  posts: number;
  seconds: number;
  bodyFor: (i: number, dueUs: number) => unknown;
  check: (res: PostResult) => [number, string | null];
  publisherFor?: (i: number) => number;
  maxInFlight?: number;
}): Promise<StepResult>;
