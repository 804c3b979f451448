import { Module } from '@nestjs/common';
import { AttemptLimits } from './attempt-limits.js';
import { UserRateLimitInterceptor } from './user-rate-limit.interceptor.js';

@Module({ providers: [UserRateLimitInterceptor, AttemptLimits], exports: [UserRateLimitInterceptor, AttemptLimits] })
export class RateLimitModule {}
