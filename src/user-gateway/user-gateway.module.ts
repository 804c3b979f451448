import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module.js';
import { SocketModule } from '../socket/socket.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { SessionModule } from '../session/session.module.js';
import { ChatModule } from '../chat/chat.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { HandshakeAuth } from './handshake-auth.js';
import { IdleTimeout } from './idle-timeout.js';
import { RecoveryModule } from '../recovery/recovery.module.js';
import { TokenExpiry } from './token-expiry.js';
import { UserGateway } from './user.gateway.js';

@Module({
  imports: [AuthModule, SessionModule, SocketModule, LifecycleModule, ChatModule, PresenceModule, RateLimitModule, RecoveryModule],
  providers: [UserGateway, HandshakeAuth, TokenExpiry, IdleTimeout],
})
export class UserGatewayModule {}
