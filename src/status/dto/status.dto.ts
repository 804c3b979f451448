import { Optional } from '../../common/validators.js';
import { IsString, Length, Matches, MaxLength } from 'class-validator';
import type { ReportStatusPayload } from '../../socket/events.js';

/** POST /internal/status and the `report_status` event (docs/protocol.md §4.7). */
export class ReportStatusDto implements ReportStatusPayload {
  @IsString() @Length(1, 128) service!: string;
  @IsString() @Matches(/^[a-z][a-z_-]{0,31}$/, { message: 'status must be a lowercase word (up, down, degraded, pending, maintenance…)' }) status!: string;
  @Optional() @IsString() @MaxLength(1024) message?: string;
}
