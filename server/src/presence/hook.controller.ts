import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HookSetStatusDto } from '@claudemesh/shared/dto';
import type { HookSetStatusResponse } from '@claudemesh/shared/protocol';
import { HookService } from './hook.service';
import { HookRequest, HookTokenGuard } from './hook-token.guard';

/** protocol.md §9: Claude Code hooks report the session status with the hook token from `welcome`. */
@ApiTags('hook')
@Controller('hook')
export class HookController {
  constructor(private readonly hooks: HookService) {}

  @Post('set-status')
  @HttpCode(200)
  @UseGuards(HookTokenGuard)
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Set the status of the session that owns the hook token' })
  setStatus(@Req() req: HookRequest, @Body() body: HookSetStatusDto): Promise<HookSetStatusResponse> {
    return this.hooks.setStatus(req.hookPresenceId!, body);
  }
}
