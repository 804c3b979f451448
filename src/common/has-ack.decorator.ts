import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Whether the client passed an ack callback with this event (some errors differ without one). */
export const HasAck = createParamDecorator((_data: unknown, ctx: ExecutionContext): boolean => typeof ctx.getArgByIndex(2) === 'function');
