import { Global, Module } from '@nestjs/common';
import { UserRateLimitInterceptor } from './user-rate-limit.interceptor.js';

@Global()
@Module({ providers: [UserRateLimitInterceptor], exports: [UserRateLimitInterceptor] })
export class RateLimitModule {}
