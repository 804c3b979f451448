import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import { type Ack, ok } from '../common/ack.js';
import { UserEventsGateway } from '../rate-limit/user-events-gateway.decorator.js';
import type { ClientAckData, PresenceUpdate, UserSocket } from '../socket/events.js';
import { OnlinePageDto, PresenceUpdateDto, PresenceUsersDto } from './dto/presence.dto.js';
import type { PresenceView } from './presence-query.service.js';
import { PresenceService } from './presence.service.js';
import { Rooms } from '../socket/rooms.js';

const withoutDevices = ({ devices: _d, ...rest }: PresenceView): PresenceUpdate => rest;

/** Presence events of `/` (docs/protocol.md §4.2): strangers learn nothing on any of these paths. */
@UserEventsGateway()
export class PresenceGateway {
  constructor(
    private readonly presence: PresenceService,
  ) {}

  @SubscribeMessage('presence:update')
  async update(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: PresenceUpdateDto): Promise<Ack<ClientAckData<'presence:update'>>> {
    return ok(await this.presence.setStatus(socket.data.userId, dto.status, dto.customStatus ?? null));
  }

  /**
   * Changes of a user reach everyone who may see them at the time of the change (PresenceService
   * computes the watchers then), so a subscription to someone else needs no room and ends by
   * itself when visibility does, on every node. The one room joined is the caller's own: a user
   * is visible to themselves but no watcher of themselves.
   */
  @SubscribeMessage('presence:subscribe')
  async subscribe(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: PresenceUsersDto): Promise<Ack<ClientAckData<'presence:subscribe'>>> {
    const { userId } = socket.data;
    const users = await this.presence.visible(userId, dto.userIds);
    if (users.some((u) => u.userId === userId)) await socket.join(Rooms.presence(userId));
    return ok({ users: users.map(withoutDevices) });
  }

  @SubscribeMessage('presence:unsubscribe')
  async unsubscribe(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: PresenceUsersDto): Promise<Ack<ClientAckData<'presence:unsubscribe'>>> {
    await Promise.all(dto.userIds.map((u) => socket.leave(Rooms.presence(u))));
    return ok({ userIds: dto.userIds });
  }

  @SubscribeMessage('get_online_users')
  async online(@ConnectedSocket() socket: UserSocket): Promise<Ack<ClientAckData<'get_online_users'>>> {
    return ok({ users: (await this.presence.onlineFriends(socket.data.userId)).map((u) => u.userId) });
  }

  @SubscribeMessage('get_detailed_online_users')
  async detailed(@ConnectedSocket() socket: UserSocket): Promise<Ack<ClientAckData<'get_detailed_online_users'>>> {
    return ok({ users: await this.presence.onlineFriends(socket.data.userId) });
  }

  /**
   * Pages over every online user, filtered to those the caller may see (admins see everyone),
   * so a page may hold fewer than `limit`; cursor '0' means the end.
   */
  @SubscribeMessage('get_all_online_users')
  async all(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: OnlinePageDto): Promise<Ack<ClientAckData<'get_all_online_users'>>> {
    const page = await this.presence.onlinePage(dto.cursor ?? '0', dto.limit ?? 100);
    const isAdmin = socket.data.roles.includes('admin');
    const views = await this.presence.visible(socket.data.userId, page.userIds, isAdmin);
    return ok({ users: views.filter((v) => v.status !== 'offline').map((v) => v.userId), cursor: page.cursor });
  }
}
