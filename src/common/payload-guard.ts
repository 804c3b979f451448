import { AppError, ErrorCode } from './error-codes.js';

export interface PayloadLimits {
  maxDepth: number;
  maxNodes: number;
}

export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = { maxDepth: 16, maxNodes: 20000 };

/** docs/protocol.md §2.3: refused before the DTO, the details name the whole payload (field ""). */
function refused(message: string, error: string): AppError {
  return new AppError(ErrorCode.VALIDATION_FAILED, message, [{ field: '', errors: [error] }]);
}

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
      throw refused(`Payload nests deeper than ${limits.maxDepth} levels`, `payload must not nest deeper than ${limits.maxDepth} levels`);
    }
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    nodes += children.length;
    if (nodes > limits.maxNodes) {
      throw refused(`Payload has more than ${limits.maxNodes} values`, `payload must not hold more than ${limits.maxNodes} values`);
    }
    for (const child of children) stack.push([child, depth + 1]);
  }
}
