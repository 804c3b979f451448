import { IsId } from '../../common/validators.js';

export class ForceLogoutDto {
  @IsId() userId!: string;
  @IsId() sessionId!: string;
}
