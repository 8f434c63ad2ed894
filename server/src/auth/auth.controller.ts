import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ChangePasswordDto, EmptyBodyDto, LoginDto, SignupDto, type AccountEnvelope, type MeResponse } from '@claudemesh/shared/dto';
import type { AuthContext } from './auth-context';
import { AuthGuard, OriginGuard } from './auth.guard';
import { toAccountResponse } from './auth.mapper';
import { ACCOUNT_ENVELOPE_SCHEMA, ME_SCHEMA } from './auth.schemas';
import { AuthService } from './auth.service';
import { clearSessionCookies, setSessionCookies, setXsrfCookie } from './cookies';
import { CurrentAuth, SessionOnly } from './current-auth.decorator';
import { ApiAuth, ApiDtoBody, ApiErrors, ApiJson } from './openapi';
import { clientMeta } from './request-meta';
import { SessionService } from './session.service';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
  ) {}

  @Post('signup')
  @UseGuards(OriginGuard)
  @ApiOperation({ summary: 'Create an account; the first one needs the setup token and becomes instance admin. Sets cm_session and XSRF-TOKEN.' })
  @ApiDtoBody(SignupDto)
  @ApiJson(201, 'The new account', ACCOUNT_ENVELOPE_SCHEMA)
  @ApiErrors('validation_failed', 'invalid_json', 'csrf_failed', 'setup_token_invalid', 'signup_disabled', 'email_taken', 'rate_limited', 'internal_error')
  async signup(@Body() dto: SignupDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<AccountEnvelope> {
    const { account, session } = await this.auth.signup(dto, clientMeta(req));
    setSessionCookies(res.setHeader('Cache-Control', 'no-store'), session.token, session.csrfToken, this.sessions.cookieSettings);
    return { account: toAccountResponse(account) };
  }

  @Post('login')
  @HttpCode(200)
  @UseGuards(OriginGuard)
  @ApiOperation({ summary: 'Sign in; issues a new session id (cm_session) and XSRF-TOKEN.' })
  @ApiDtoBody(LoginDto)
  @ApiJson(200, 'The account', ACCOUNT_ENVELOPE_SCHEMA)
  @ApiErrors('validation_failed', 'invalid_json', 'csrf_failed', 'invalid_credentials', 'account_disabled', 'rate_limited', 'internal_error')
  async login(@Body() dto: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<AccountEnvelope> {
    const { account, session } = await this.auth.login(dto, clientMeta(req));
    setSessionCookies(res.setHeader('Cache-Control', 'no-store'), session.token, session.csrfToken, this.sessions.cookieSettings);
    return { account: toAccountResponse(account) };
  }

  @Post('logout')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @SessionOnly()
  @ApiOperation({ summary: 'Delete the current session and clear the cookies.' })
  @ApiAuth({ sessionOnly: true })
  @ApiDtoBody(EmptyBodyDto)
  @ApiJson(204, 'Signed out', {})
  @ApiErrors('validation_failed', 'session_required')
  async logout(@CurrentAuth() auth: AuthContext, @Body() _body: EmptyBodyDto, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.logout(auth);
    clearSessionCookies(res, this.sessions.cookieSettings.secure);
  }

  @Get('me')
  @UseGuards(AuthGuard)
  @ApiOperation({ summary: 'The calling account; refreshes the XSRF-TOKEN cookie for sessions.' })
  @ApiAuth()
  @ApiJson(200, 'The account and how it authenticated', ME_SCHEMA)
  me(@CurrentAuth() auth: AuthContext, @Res({ passthrough: true }) res: Response): MeResponse {
    if (auth.via === 'session' && auth.csrfToken) setXsrfCookie(res, auth.csrfToken, this.sessions.cookieSettings);
    return { account: toAccountResponse(auth.account), auth: auth.via };
  }

  @Post('password')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @SessionOnly()
  @ApiOperation({ summary: 'Change the password; every other session of the account is revoked.' })
  @ApiAuth({ sessionOnly: true })
  @ApiDtoBody(ChangePasswordDto)
  @ApiJson(204, 'Changed', {})
  @ApiErrors('validation_failed', 'invalid_json', 'invalid_credentials', 'session_required')
  async changePassword(@CurrentAuth() auth: AuthContext, @Body() dto: ChangePasswordDto): Promise<void> {
    await this.auth.changePassword(auth, dto);
  }
}
