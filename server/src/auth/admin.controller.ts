import { Body, Controller, Get, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CreateAccountDto, ListAccountsQueryDto, UpdateAccountDto, type AdminAccountResponse, type Page } from '@claudemesh/shared/dto';
import { IdParamPipe } from '../common/pipes';
import type { AuthContext } from './auth-context';
import { AdminService } from './admin.service';
import { AuthGuard } from './auth.guard';
import { ADMIN_ACCOUNT_SCHEMA } from './auth.schemas';
import { CurrentAuth } from './current-auth.decorator';
import { ApiAuth, ApiDtoBody, ApiDtoQuery, ApiErrors, ApiJson, pageOf } from './openapi';

@ApiTags('admin')
@Controller('api/admin/accounts')
@UseGuards(AuthGuard)
@ApiAuth()
@ApiErrors('not_found')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get()
  @ApiOperation({ summary: 'Accounts, oldest first (instance admin only; others get 404).' })
  @ApiDtoQuery(ListAccountsQueryDto)
  @ApiJson(200, 'A page of accounts', pageOf(ADMIN_ACCOUNT_SCHEMA))
  @ApiErrors('validation_failed')
  list(@CurrentAuth() auth: AuthContext, @Query() q: ListAccountsQueryDto): Promise<Page<AdminAccountResponse>> {
    return this.admin.list(auth, q);
  }

  @Post()
  @ApiOperation({ summary: 'Create an account (instance admin only).' })
  @ApiDtoBody(CreateAccountDto)
  @ApiJson(201, 'The account', ADMIN_ACCOUNT_SCHEMA)
  @ApiErrors('validation_failed', 'invalid_json', 'email_taken')
  create(@CurrentAuth() auth: AuthContext, @Body() dto: CreateAccountDto): Promise<AdminAccountResponse> {
    return this.admin.create(auth, dto);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Grant/revoke instance admin, or disable/enable an account (disabling revokes its sessions and PATs).' })
  @ApiParam({ name: 'id', description: 'account id (32 base62)' })
  @ApiDtoBody(UpdateAccountDto)
  @ApiJson(200, 'The account', ADMIN_ACCOUNT_SCHEMA)
  @ApiErrors('validation_failed', 'invalid_json', 'cannot_modify_self', 'last_admin')
  update(@CurrentAuth() auth: AuthContext, @Param('id', IdParamPipe) id: string, @Body() dto: UpdateAccountDto): Promise<AdminAccountResponse> {
    return this.admin.update(auth, id, dto);
  }
}
