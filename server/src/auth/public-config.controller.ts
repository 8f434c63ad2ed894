import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PublicConfigResponse } from '@claudemesh/shared/dto';
import { PUBLIC_CONFIG_SCHEMA } from './auth.schemas';
import { AuthService } from './auth.service';
import { ApiErrors, ApiJson } from './openapi';

@ApiTags('public')
@Controller('api/public')
export class PublicConfigController {
  constructor(private readonly auth: AuthService) {}

  @Get('config')
  @ApiOperation({ summary: 'Instance facts for the SPA: version, sign-up state, whether first-time setup is pending.' })
  @ApiJson(200, 'The public configuration', PUBLIC_CONFIG_SCHEMA)
  @ApiErrors('internal_error')
  config(): Promise<PublicConfigResponse> {
    return this.auth.publicConfig();
  }
}
