import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TokenVerifier } from './token-verifier.service.js';

@Module({ imports: [JwtModule.register({})], providers: [TokenVerifier], exports: [TokenVerifier] })
export class AuthModule {}
