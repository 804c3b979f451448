import { Body, Controller, Delete, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ok } from '../common/ack.js';
import { IdParamPipe } from '../common/id-param.pipe.js';
import { ChatService } from '../chat/chat.service.js';
import { FriendIdsDto, UserIdsDto } from '../chat/dto/chat.dto.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { InternalSecretGuard } from './internal-secret.guard.js';

/** Chat members and friend lists, owned by the backend (SPEC §4.3, §6.1). */
@Controller('internal')
@UseGuards(InternalSecretGuard)
export class ChatsController {
  constructor(
    private readonly chats: ChatService,
    private readonly metrics: MetricsService,
  ) {}

  @Put('chats/:chatId/members')
  @HttpCode(200)
  async replace(@Param('chatId', IdParamPipe) chatId: string, @Body() dto: UserIdsDto) {
    this.metrics.internalRequests.inc({ action: 'chat_members', transport: 'http' });
    return ok(await this.chats.setMembers(chatId, dto.userIds));
  }

  @Post('chats/:chatId/members')
  @HttpCode(200)
  async add(@Param('chatId', IdParamPipe) chatId: string, @Body() dto: UserIdsDto) {
    this.metrics.internalRequests.inc({ action: 'chat_members', transport: 'http' });
    return ok(await this.chats.addMembers(chatId, dto.userIds));
  }

  @Delete('chats/:chatId/members/:userId')
  @HttpCode(200)
  async remove(@Param('chatId', IdParamPipe) chatId: string, @Param('userId', IdParamPipe) userId: string) {
    this.metrics.internalRequests.inc({ action: 'chat_members', transport: 'http' });
    return ok(await this.chats.removeMember(chatId, userId));
  }

  @Put('users/:userId/friends')
  @HttpCode(200)
  async friends(@Param('userId', IdParamPipe) userId: string, @Body() dto: FriendIdsDto) {
    this.metrics.internalRequests.inc({ action: 'friends', transport: 'http' });
    return ok(await this.chats.setFriends(userId, dto.friendIds));
  }
}
