import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/error-codes.js';
import type { ServiceSocket } from './service-sessions.js';

/** The only events a socket may send before it is an authenticated service. */
const OPEN_EVENTS = new Set(['authenticate_service', 'register_service']);

/**
 * docs/protocol.md §6.2: until authenticated a socket can do nothing else. A guard runs before the
 * validation pipe, so an unauthenticated socket gets AUTH_REQUIRED, never validation details.
 */
@Injectable()
export class ServiceAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const ws = context.switchToWs();
    if (OPEN_EVENTS.has(ws.getPattern())) return true;
    if (!ws.getClient<ServiceSocket>().data.service) throw new AppError(ErrorCode.AUTH_REQUIRED, 'Authenticate with authenticate_service first');
    return true;
  }
}
