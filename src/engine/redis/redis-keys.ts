/**
 * Every key the gateway writes, under SOCKET_CONTROL_PREFIX. Per-user keys carry the user id
 * as a hash tag so a script touching several keys of one user stays in one Cluster slot.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** The publication clock: hash of `n` (last position) and `e` (its epoch). */
  get clock(): string {
    return `${this.prefix}:clock`;
  }
  /**
   * A room's history of kept publications, in the slot of the room's user (user and session
   * rooms, so one script reaches a user's sockets and their history) or of its chat.
   */
  history(room: string, owner: string | undefined): string {
    return `${this.prefix}:hist:{${owner ?? room}}:${room}`;
  }
  /** Present while a user of no live socket may still recover: their rooms' histories are kept. */
  recoverable(userId: string): string {
    return `${this.prefix}:recov:{${userId}}`;
  }
  /** The recovery record of one socket, by its recovery id (pid). */
  recovery(pid: string): string {
    return `${this.prefix}:rec:{${pid}}`;
  }
  /** The pub/sub channel one node listens on (hash-tagged: on Cluster, sharded over the masters). */
  nodeChannel(nodeId: string): string {
    return `${this.nodeChannelPrefix}${nodeId}}`;
  }
  get nodeChannelPrefix(): string {
    return `${this.prefix}:node:{`;
  }
  /** The channel every node listens on (broadcasts to rooms of no single user, cluster requests). */
  get allChannel(): string {
    return `${this.prefix}:all`;
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
  /** When each node last beat, kept past its sweep (for restores of its sockets). */
  get nodeBeats(): string {
    return `${this.prefix}:node-beats`;
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
