import { Body, Controller, Delete, HttpCode, Param, Post, Put, UseInterceptors } from '@nestjs/common';
import { ok } from '../common/ack.js';
import { IdParamPipe } from '../common/id-param.pipe.js';
import { ChatService } from '../chat/chat.service.js';
import { FriendIdsDto, UserIdsDto } from '../chat/dto/chat.dto.js';
import { InternalAction, InternalRequestMetrics } from './internal-request-metrics.interceptor.js';

/** Chat members and friend lists, owned by the backend (docs/protocol.md §4.3, §6.1). */
@Controller('internal')
@UseInterceptors(InternalRequestMetrics)
export class ChatsController {
  constructor(
    private readonly chats: ChatService,
  ) {}

  @Put('chats/:chatId/members')
  @InternalAction('chat_members')
  @HttpCode(200)
  async replace(@Param('chatId', IdParamPipe) chatId: string, @Body() dto: UserIdsDto) {
    return ok(await this.chats.setMembers(chatId, dto.userIds));
  }

  @Post('chats/:chatId/members')
  @InternalAction('chat_members')
  @HttpCode(200)
  async add(@Param('chatId', IdParamPipe) chatId: string, @Body() dto: UserIdsDto) {
    return ok(await this.chats.addMembers(chatId, dto.userIds));
  }

  @Delete('chats/:chatId/members/:userId')
  @InternalAction('chat_members')
  @HttpCode(200)
  async remove(@Param('chatId', IdParamPipe) chatId: string, @Param('userId', IdParamPipe) userId: string) {
    return ok(await this.chats.removeMember(chatId, userId));
  }

  @Put('users/:userId/friends')
  @InternalAction('friends')
  @HttpCode(200)
  async friends(@Param('userId', IdParamPipe) userId: string, @Body() dto: FriendIdsDto) {
    return ok(await this.chats.setFriends(userId, dto.friendIds));
  }
}
