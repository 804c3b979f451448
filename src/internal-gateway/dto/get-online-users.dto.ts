import { IsIdArray } from '../../common/validators.js';
import type { UserIdsPayload } from '../../socket/events.js';

export class GetOnlineUsersDto implements UserIdsPayload {
  @IsIdArray(1, 1000) userIds!: string[];
}
