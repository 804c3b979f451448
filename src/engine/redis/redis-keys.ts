/**
 * Every key the gateway writes, under SOCKET_CONTROL_PREFIX. Per-user keys carry the user id
 * as a hash tag so a script touching several keys of one user stays in one Cluster slot.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** The Socket.IO streams adapter's stream and channel prefix. */
  get adapterStream(): string {
    return `${this.prefix}:adapter`;
  }
  /** Prefix of the streams adapter's recovery session keys (one per dropped socket's pid). */
  get adapterSessionPrefix(): string {
    return `${this.prefix}:adapter-session:`;
  }

  liveSessions(userId: string): string {
    return `${this.prefix}:sess:{${userId}}`;
  }
  revokedSessions(userId: string): string {
    return `${this.prefix}:sess-revoked:{${userId}}`;
  }
  connections(userId: string): string {
    return `${this.prefix}:conn:{${userId}}`;
  }
  notifications(userId: string): string {
    return `${this.prefix}:notif:{${userId}}`;
  }
  notificationIndex(userId: string): string {
    return `${this.prefix}:notif-idx:{${userId}}`;
  }
  chatMembers(chatId: string): string {
    return `${this.prefix}:chat:{${chatId}}:members`;
  }
  userChats(userId: string): string {
    return `${this.prefix}:user-chats:{${userId}}`;
  }
  friends(userId: string): string {
    return `${this.prefix}:friends:{${userId}}`;
  }
  get inbound(): string {
    return `${this.prefix}:inbound`;
  }
  get status(): string {
    return `${this.prefix}:status`;
  }
  get services(): string {
    return `${this.prefix}:services`;
  }
  nodeSockets(nodeId: string): string {
    return `${this.prefix}:node-sockets:${nodeId}`;
  }
  get online(): string {
    return `${this.prefix}:online`;
  }
  presence(userId: string): string {
    return `${this.prefix}:presence:{${userId}}`;
  }
  /** All call keys share the `{calls}` hash tag (see RedisCallStore). */
  call(callId: string): string {
    return `${this.prefix}:{calls}:call:${callId}`;
  }
  get ringingCalls(): string {
    return `${this.prefix}:{calls}:ringing`;
  }
  get nodes(): string {
    return `${this.prefix}:nodes`;
  }
  rate(key: string): string {
    return `${this.prefix}:rl:{${key}}`;
  }
  idempotency(key: string): string {
    return `${this.prefix}:idem:{${key}}`;
  }
  controlClaim(id: string): string {
    return `${this.prefix}:ctl-claim:${id}`;
  }
  channel(name: 'emit' | 'force-logout' | 'kick' | 'status-refresh'): string {
    return `${this.prefix}:${name}`;
  }
}
