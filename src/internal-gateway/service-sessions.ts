import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { AppConfig } from '../config/app-config.js';
import type { InternalClientToServerEvents, InternalServerToClientEvents, NoInterServerEvents, ServiceSessionInfo } from '../socket/events.js';
import { emitThenDisconnect } from '../socket/emit-then-disconnect.js';
import { Rooms } from '../socket/rooms.js';
import type { ServiceIdentity } from '../service-registry/service-registry.service.js';

export const AUTH_DEADLINE_MS = 5000;

export interface ServiceSocketData {
  service?: ServiceIdentity & { sessionId: string; expiresAt: number };
}

export type ServiceSocket = Socket<InternalClientToServerEvents, InternalServerToClientEvents, NoInterServerEvents, ServiceSocketData>;
export type ServiceNamespace = Namespace<InternalClientToServerEvents, InternalServerToClientEvents, NoInterServerEvents, ServiceSocketData>;

export type { ServiceSessionInfo } from '../socket/events.js';

/**
 * Timers of `/internal` sockets: the 5 s authentication deadline, then the absolute
 * (SERVICE_SESSION_EXPIRY) and idle (SERVICE_SESSION_IDLE_TIMEOUT) limits of the session.
 */
@Injectable()
export class ServiceSessions {
  private readonly timers = new WeakMap<ServiceSocket, { deadline?: NodeJS.Timeout; absolute?: NodeJS.Timeout; idle?: NodeJS.Timeout }>();

  constructor(private readonly config: AppConfig) {}

  private slot(socket: ServiceSocket) {
    let t = this.timers.get(socket);
    if (!t) this.timers.set(socket, (t = {}));
    return t;
  }

  awaitAuthentication(socket: ServiceSocket): void {
    const t = this.slot(socket);
    t.deadline = setTimeout(() => {
      if (!socket.data.service) {
        emitThenDisconnect(socket, 'error', { code: 'AUTH_REQUIRED', message: `Not authenticated within ${AUTH_DEADLINE_MS / 1000} s` });
      }
    }, AUTH_DEADLINE_MS);
    t.deadline.unref();
  }

  async start(socket: ServiceSocket, identity: ServiceIdentity): Promise<ServiceSessionInfo> {
    const { sessionExpirySec } = this.config.serviceRegistration;
    const expiresAt = Date.now() + sessionExpirySec * 1000;
    socket.data.service = { ...identity, sessionId: randomUUID(), expiresAt };
    const t = this.slot(socket);
    clearTimeout(t.deadline);
    t.absolute = setTimeout(() => this.expire(socket, 'expired'), sessionExpirySec * 1000);
    t.absolute.unref();
    this.touch(socket);
    await socket.join(Rooms.service(identity.name));
    return { serviceName: identity.name, serviceType: identity.type, sessionId: socket.data.service.sessionId, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** Any known event keeps an authenticated session alive for another idle period. */
  touch(socket: ServiceSocket): void {
    if (!socket.data.service) return;
    const t = this.slot(socket);
    clearTimeout(t.idle);
    t.idle = setTimeout(() => this.expire(socket, 'idle'), this.config.serviceRegistration.sessionIdleTimeoutSec * 1000);
    t.idle.unref();
  }

  clear(socket: ServiceSocket): void {
    const t = this.timers.get(socket);
    if (!t) return;
    clearTimeout(t.deadline);
    clearTimeout(t.absolute);
    clearTimeout(t.idle);
    this.timers.delete(socket);
  }

  private expire(socket: ServiceSocket, reason: 'expired' | 'idle'): void {
    emitThenDisconnect(socket, 'session:expired', { reason, sessionId: socket.data.service?.sessionId });
  }
}
