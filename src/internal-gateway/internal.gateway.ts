import { UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { type Ack, ok } from '../common/ack.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { WsAckExceptionFilter } from '../socket/ws-ack-exception.filter.js';
import { EventDispatcher } from '../socket/event-dispatcher.js';
import { WsMetricsInterceptor } from '../socket/ws-metrics.interceptor.js';
import { EmitService } from '../delivery/emit.service.js';
import { EmitDto } from '../delivery/dto/emit.dto.js';
import { ForceLogoutDto } from '../session/dto/force-logout.dto.js';
import { KickDto } from '../session/dto/kick.dto.js';
import { toEmitResponse } from '../delivery/emit-response.js';
import { type InternalActionName, MetricsService } from '../metrics/metrics.service.js';
import { DirectMessageService } from '../messaging/direct-message.service.js';
import { ServiceSendMessageDto } from '../messaging/dto/send-message.dto.js';
import { PushNotificationDto } from '../notification/dto/notification.dto.js';
import { NotificationService } from '../notification/notification.service.js';
import { PresenceQueryService } from '../presence/presence-query.service.js';
import { ReportStatusDto } from '../status/dto/status.dto.js';
import { StatusService } from '../status/status.service.js';
import { SessionService } from '../session/session.service.js';
import { AuthenticateServiceDto, RegisterServiceDto } from './dto/service-auth.dto.js';
import { GetOnlineUsersDto } from './dto/get-online-users.dto.js';
import { InternalSocketRef } from '../service-registry/internal-socket.ref.js';
import { ServiceAttempts } from './service-attempts.js';
import { ServiceAuthGuard } from './service-auth.guard.js';
import { ServiceHandshake } from './service-handshake.js';
import { type ServiceIdentity, ServiceRegistry } from '../service-registry/service-registry.service.js';
import { type ServiceNamespace, ServiceSessions, type ServiceSocket } from './service-sessions.js';
import type { ServiceAckData, ServiceEventName } from '../socket/events.js';

/**
 * `/internal`: backend services on a persistent connection (docs/protocol.md §6.2). Every action calls the
 * same service method as its HTTP route; until authenticated a socket may only
 * `authenticate_service` or `register_service`.
 */
@WebSocketGateway({ namespace: '/internal' })
@UseGuards(ServiceAuthGuard)
@UseFilters(WsAckExceptionFilter)
@UseInterceptors(WsMetricsInterceptor)
export class InternalGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly handshake: ServiceHandshake,
    private readonly registry: ServiceRegistry,
    private readonly sessions: ServiceSessions,
    private readonly emitter: EmitService,
    private readonly userSessions: SessionService,
    private readonly messages: DirectMessageService,
    private readonly presence: PresenceQueryService,
    private readonly metrics: MetricsService,
    private readonly socketRef: InternalSocketRef,
    private readonly notifications: NotificationService,
    private readonly status: StatusService,
    private readonly attempts: ServiceAttempts,
    private readonly dispatcher: EventDispatcher,
  ) {}

  afterInit(nsp: ServiceNamespace): void {
    this.handshake.attach(nsp);
    this.socketRef.set(nsp);
    // Events with a handler keep a service session alive; unknown ones do not (as on `/`).
    this.dispatcher.observe<ServiceSocket>('/internal', (socket, _event, known) => {
      if (known) this.sessions.touch(socket);
    });
    // An authenticated service is a backend holding a key: its volume is the intake's concern
    // (docs/protocol.md §6.3), not the per-socket packet budget, which guards the anonymous surface.
    this.dispatcher.exemptFromBudget<ServiceSocket>('/internal', (socket) => socket.data.service !== undefined);
  }

  async handleConnection(socket: ServiceSocket): Promise<void> {
    const identity = this.handshake.identityOf(socket);
    if (!identity) return this.sessions.awaitAuthentication(socket);
    const info = await this.sessions.start(socket, identity);
    socket.emit('authenticated', info);
  }

  handleDisconnect(socket: ServiceSocket): void {
    this.sessions.clear(socket);
  }

  @SubscribeMessage('authenticate_service')
  async authenticate(@ConnectedSocket() socket: ServiceSocket, @MessageBody() dto: AuthenticateServiceDto): Promise<Ack<ServiceAckData<'authenticate_service'>>> {
    if (socket.data.service) throw new AppError(ErrorCode.FORBIDDEN, 'Already authenticated');
    const identity = await this.attempts.attempt(socket, () => this.registry.authenticate(dto.serviceName, dto.serviceKey));
    return ok(await this.sessions.start(socket, identity));
  }

  @SubscribeMessage('register_service')
  async register(@ConnectedSocket() socket: ServiceSocket, @MessageBody() dto: RegisterServiceDto): Promise<Ack<ServiceAckData<'register_service'>>> {
    return ok(await this.attempts.attempt(socket, () => this.registry.register(dto, this.attempts.ipOf(socket))));
  }

  @SubscribeMessage('send_message')
  async sendMessage(@ConnectedSocket() socket: ServiceSocket, @MessageBody() dto: ServiceSendMessageDto): Promise<Ack<ServiceAckData<'send_message'>>> {
    return ok(await this.messages.fromService(await this.act(socket, 'send_message'), dto));
  }

  @SubscribeMessage('emit')
  async emit(@ConnectedSocket() socket: ServiceSocket, @MessageBody() dto: EmitDto): Promise<Ack<ServiceAckData<'emit'>>> {
    await this.act(socket, 'emit');
    return ok(toEmitResponse(await this.emitter.emit(dto)));
  }

  @SubscribeMessage('force_logout')
  async forceLogout(@ConnectedSocket() socket: ServiceSocket, @MessageBody() dto: ForceLogoutDto): Promise<Ack<ServiceAckData<'force_logout'>>> {
    await this.act(socket, 'force_logout');
    return ok(await this.userSessions.forceLogout(dto.userId, dto.sessionId));
  }

  @SubscribeMessage('kick')
  async kick(@ConnectedSocket() socket: ServiceSocket, @MessageBody() dto: KickDto): Promise<Ack<ServiceAckData<'kick'>>> {
    await this.act(socket, 'kick');
    return ok(await this.userSessions.kick(dto.userId, dto.reason, dto.invalidateSession));
  }

  @SubscribeMessage('get_online_users')
  async getOnlineUsers(@ConnectedSocket() socket: ServiceSocket, @MessageBody() dto: GetOnlineUsersDto): Promise<Ack<ServiceAckData<'get_online_users'>>> {
    await this.act(socket, 'get_online_users');
    return ok(await this.presence.describe(dto.userIds));
  }

  @SubscribeMessage('notify')
  async notify(@ConnectedSocket() socket: ServiceSocket, @MessageBody() dto: PushNotificationDto): Promise<Ack<ServiceAckData<'notify'>>> {
    await this.act(socket, 'notify');
    return ok(await this.notifications.push(dto, dto.notification));
  }

  @SubscribeMessage('report_status')
  async reportStatus(@ConnectedSocket() socket: ServiceSocket, @MessageBody() dto: ReportStatusDto): Promise<Ack<ServiceAckData<'report_status'>>> {
    await this.act(socket, 'report_status');
    return ok(await this.status.report(dto));
  }

  /** The caller's identity, refusing sockets that are not (or no longer) an active service. */
  private async act(socket: ServiceSocket, action: ServiceEventName & InternalActionName): Promise<ServiceIdentity> {
    const service = socket.data.service;
    if (!service) throw new AppError(ErrorCode.AUTH_REQUIRED, 'Authenticate with authenticate_service first');
    if (!(await this.registry.isActive(service.name))) {
      socket.disconnect(true);
      throw new AppError(ErrorCode.AUTH_INVALID, 'Service is no longer active');
    }
    this.metrics.internalRequest(action, 'socket');
    return { name: service.name, type: service.type };
  }
}
