import { Module } from '@nestjs/common';
import { UserRateLimitInterceptor } from './user-rate-limit.interceptor.js';

@Module({ providers: [UserRateLimitInterceptor], exports: [UserRateLimitInterceptor] })
export class RateLimitModule {}
