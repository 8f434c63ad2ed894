import { Controller, Get, Header, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CliDistService } from './cli-dist.service';

/** GET /cli/claudemesh.tgz and GET /cli/version (operations.md §10a): public, no auth. */
@ApiTags('cli')
@Controller('cli')
export class CliDistController {
  constructor(private readonly cli: CliDistService) {}

  @Get('version')
  @ApiOperation({ summary: 'The version of the CLI this server distributes' })
  @ApiOkResponse({ schema: { type: 'object', properties: { version: { type: 'string', example: '1.0.0' } } } })
  version(): { version: string } {
    return { version: this.cli.version() };
  }

  @Get('claudemesh.tgz')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'The npm pack tarball of the CLI: npm i -g <PUBLIC_URL>/cli/claudemesh.tgz' })
  tarball(@Req() req: Request, @Res() res: Response): void {
    const t = this.cli.tarball();
    res.setHeader('ETag', t.etag);
    if (req.headers['if-none-match'] === t.etag) return void res.status(304).end();
    res.type('application/gzip').sendFile(t.file);
  }
}
