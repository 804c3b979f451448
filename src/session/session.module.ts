import { Module } from '@nestjs/common';
import { SocketModule } from '../socket/socket.module.js';
import { SessionService } from './session.service.js';

@Module({ imports: [SocketModule], providers: [SessionService], exports: [SessionService] })
export class SessionModule {}
