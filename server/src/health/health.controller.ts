import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthService } from './health.service';

const LIVENESS_SCHEMA = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok'] },
    version: { type: 'string' },
    gitSha: { type: 'string', nullable: true },
    nodeId: { type: 'string', format: 'uuid' },
    uptimeSeconds: { type: 'integer' },
    db: { type: 'string', enum: ['up', 'down'] },
  },
};
const READY_SCHEMA = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['ready', 'not_ready'] }, reasons: { type: 'array', items: { type: 'string' } } },
};

/** GET /health (liveness) and GET /health/ready (readiness), api.md §9 and operations.md §4. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Liveness: 200 while the process serves.' })
  @ApiResponse({ status: 200, description: 'Alive', schema: LIVENESS_SCHEMA })
  live() {
    return this.health.liveness();
  }

  @Get('ready')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Readiness (operations.md §4): 200 ready, or 503 with the reasons.' })
  @ApiResponse({ status: 200, description: 'Ready', schema: READY_SCHEMA })
  @ApiResponse({ status: 503, description: 'Not ready', schema: READY_SCHEMA })
  async ready(@Res({ passthrough: true }) res: Response) {
    const r = await this.health.readiness();
    res.status(r.status === 'ready' ? 200 : 503);
    return r;
  }
}
