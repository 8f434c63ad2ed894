import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthService } from './health.service';

/** GET /health (liveness) and GET /health/ready (readiness), api.md §9 and operations.md §4. */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  live() {
    return this.health.liveness();
  }

  @Get('ready')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async ready(@Res({ passthrough: true }) res: Response) {
    const r = await this.health.readiness();
    res.status(r.status === 'ready' ? 200 : 503);
    return r;
  }
}
