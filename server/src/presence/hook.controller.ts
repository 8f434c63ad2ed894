import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HookSetStatusDto } from '@claudemesh/shared/dto';
import type { HookSetStatusResponse } from '@claudemesh/shared/protocol';
import { ApiDtoBody, ApiErrors, ApiJson } from '../auth/openapi';
import { HookService } from './hook.service';
import { HookRequest, HookTokenGuard } from './hook-token.guard';

const HOOK_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    ok: { type: 'boolean', enum: [true] },
    applied: { type: 'boolean' },
    status: { type: 'string', enum: ['idle', 'working', 'dnd'] },
    source: { type: 'string', enum: ['hook', 'manual', 'inferred'] },
    presenceId: { type: 'string' },
  },
};

/** protocol.md §9: Claude Code hooks report the session status with the hook token from `welcome`. */
@ApiTags('hook')
@Controller('hook')
export class HookController {
  constructor(private readonly hooks: HookService) {}

  @Post('set-status')
  @HttpCode(200)
  @UseGuards(HookTokenGuard)
  @ApiBearerAuth('hookToken')
  @ApiOperation({ summary: 'Set the status of the session that owns the hook token (protocol.md §9); the body is at most 4 KiB.' })
  @ApiDtoBody(HookSetStatusDto)
  @ApiJson(200, 'Applied (or outranked by a fresher source)', HOOK_RESPONSE_SCHEMA)
  @ApiErrors('unauthenticated', 'session_mismatch', 'rate_limited', 'internal_error')
  setStatus(@Req() req: HookRequest, @Body() body: HookSetStatusDto): Promise<HookSetStatusResponse> {
    return this.hooks.setStatus(req.hookPresenceId!, body);
  }
}
