import { Controller, Get, Header, Headers, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppError } from '@claudemesh/shared/errors';
import { constantTimeEqual } from '@claudemesh/shared/crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

/** GET /metrics: Prometheus text format 0.0.4; bearer METRICS_TOKEN when set (api.md §9). */
@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics (text format); public, or `Authorization: Bearer <METRICS_TOKEN>` when that is set.' })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 200, description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 401, description: 'Error code: `unauthenticated` (METRICS_TOKEN is set and the bearer differs)' })
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    this.authorize(authorization);
    res.type(this.metrics.contentType).send(await this.metrics.render());
  }

  private authorize(authorization: string | undefined): void {
    const token = this.config.metricsToken;
    if (token === null) return;
    const given = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
    if (!constantTimeEqual(given, token)) throw new AppError('unauthenticated', 'A valid metrics token is required');
  }
}
