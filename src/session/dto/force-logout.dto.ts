import { IsId } from '../../common/validators.js';
import type { ForceLogoutPayload } from '../../socket/events.js';

export class ForceLogoutDto implements ForceLogoutPayload {
  @IsId() userId!: string;
  @IsId() sessionId!: string;
}
