import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { SessionModule } from '../session/session.module.js';
import { HandshakeAuth } from './handshake-auth.js';
import { IdleTimeout } from './idle-timeout.js';
import { RecoveryAuthorisation } from './recovery-authorisation.js';
import { TokenExpiry } from './token-expiry.js';
import { UserGateway } from './user.gateway.js';

@Module({ imports: [AuthModule, SessionModule], providers: [UserGateway, HandshakeAuth, TokenExpiry, IdleTimeout, RecoveryAuthorisation] })
export class UserGatewayModule {}
