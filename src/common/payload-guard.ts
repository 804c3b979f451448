import { AppError, ErrorCode } from './error-codes.js';

export interface PayloadLimits {
  maxDepth: number;
  maxNodes: number;
}

export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = { maxDepth: 16, maxNodes: 20000 };

/**
 * Rejects payloads that are too deep or too wide before class-transformer walks them
 * recursively (a 1 MiB frame can nest far past the stack). Iterative on purpose.
 */
export function assertPayloadShape(value: unknown, limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= limits.maxDepth) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, `Payload nests deeper than ${limits.maxDepth} levels`);
    }
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    nodes += children.length;
    if (nodes > limits.maxNodes) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, `Payload has more than ${limits.maxNodes} values`);
    }
    for (const child of children) stack.push([child, depth + 1]);
  }
}
