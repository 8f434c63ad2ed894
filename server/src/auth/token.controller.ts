import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CreateTokenDto, EmptyBodyDto, PageQueryDto, PAGE_LIMIT_DEFAULT, type CreatedTokenResponse, type Page, type TokenResponse } from '@claudemesh/shared/dto';
import { IdParamPipe } from '../common/pipes';
import type { AuthContext } from './auth-context';
import { AuthGuard } from './auth.guard';
import { CREATED_TOKEN_SCHEMA, TOKEN_SCHEMA } from './auth.schemas';
import { CurrentAuth, SessionOnly } from './current-auth.decorator';
import { ApiAuth, ApiBodyErrors, ApiDtoBody, ApiDtoQuery, ApiErrors, ApiJson, pageOf } from './openapi';
import { TokenService } from './token.service';

@ApiTags('tokens')
@Controller('api/tokens')
@UseGuards(AuthGuard)
@SessionOnly()
@ApiAuth({ sessionOnly: true })
@ApiErrors('session_required')
export class TokenController {
  constructor(private readonly tokens: TokenService) {}

  @Get()
  @ApiOperation({ summary: "The caller's personal access tokens, newest first; revoked ones are left out." })
  @ApiDtoQuery(PageQueryDto)
  @ApiJson(200, 'A page of tokens (never the token itself)', pageOf(TOKEN_SCHEMA))
  @ApiErrors('validation_failed')
  list(@CurrentAuth() auth: AuthContext, @Query() q: PageQueryDto): Promise<Page<TokenResponse>> {
    return this.tokens.list(auth.account.id, q.limit ?? PAGE_LIMIT_DEFAULT, q.cursor);
  }

  @Post()
  @ApiOperation({ summary: 'Create a personal access token; the token appears only in this response.' })
  @ApiDtoBody(CreateTokenDto)
  @ApiJson(201, 'The token, shown once', CREATED_TOKEN_SCHEMA)
  @ApiErrors('validation_failed', 'invalid_json')
  create(@CurrentAuth() auth: AuthContext, @Body() dto: CreateTokenDto): Promise<CreatedTokenResponse> {
    return this.tokens.create(auth.account.id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a token (idempotent).' })
  @ApiParam({ name: 'id', description: 'token id (32 base62)' })
  @ApiJson(204, 'Revoked', {})
  @ApiErrors('not_found')
  @ApiBodyErrors()
  async revoke(@CurrentAuth() auth: AuthContext, @Param('id', IdParamPipe) id: string, @Body() _body: EmptyBodyDto): Promise<void> {
    await this.tokens.revoke(auth.account.id, id);
  }
}
