import { IsIdArray } from '../../common/validators.js';

export class GetOnlineUsersDto {
  @IsIdArray(1, 1000) userIds!: string[];
}
