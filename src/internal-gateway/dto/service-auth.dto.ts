import { IsString, Length, Matches, MaxLength } from 'class-validator';
import { Optional } from '../../common/validators.js';
import { IsJsonObject } from '../../common/json-object.js';
import type { RegisterServicePayload, ServiceCredentials } from '../../socket/events.js';

export const SERVICE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export class AuthenticateServiceDto implements ServiceCredentials {
  @IsString() @Length(1, 64) serviceName!: string;
  @IsString() @Length(1, 1024) serviceKey!: string;
}

export class RegisterServiceDto implements RegisterServicePayload {
  @IsString() @Matches(SERVICE_NAME, { message: 'serviceName must be 1-64 of A-Z a-z 0-9 _ . -' }) serviceName!: string;
  @IsString() @Length(16, 1024) serviceKey!: string;
  @IsString() @Length(1, 64) serviceType!: string;
  @Optional() @IsString() @MaxLength(500) description?: string;
  @Optional() @IsJsonObject() metadata?: Record<string, unknown>;
}
