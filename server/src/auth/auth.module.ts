import { Module } from '@nestjs/common';
import { AccountRepository } from './account.repository';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';
import { AuthController } from './auth.controller';
import { AuthGuard, OriginGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { PasswordService } from './password.service';
import { PublicConfigController } from './public-config.controller';
import { SessionRepository } from './session.repository';
import { SessionService } from './session.service';
import { TokenController } from './token.controller';
import { TokenRepository } from './token.repository';
import { TokenService } from './token.service';

/**
 * Accounts, sessions, PATs, CSRF and instance administration (api.md §1.2–§2.2).
 * Other modules import AuthModule to use AuthGuard / @CurrentAuth / AuthService.authenticateOptionalBearer.
 */
@Module({
  controllers: [AuthController, TokenController, AdminController, PublicConfigController],
  providers: [
    AccountRepository,
    SessionRepository,
    TokenRepository,
    PasswordService,
    SessionService,
    TokenService,
    AuthService,
    AdminService,
    AuthGuard,
    OriginGuard,
  ],
  exports: [AuthService, SessionService, AuthGuard, AccountRepository],
})
export class AuthModule {}
