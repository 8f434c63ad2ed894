import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { MailModule } from '../mail/mail.module';
import { MeshModule } from '../mesh/mesh.module';
import { AdmissionRepository } from './admission.repository';
import { AdmissionService } from './admission.service';
import { InviteAdminService } from './invite-admin.service';
import { InviteClaimService } from './invite-claim.service';
import { InviteJoinService } from './invite-join.service';
import { InviteLandingService } from './invite-landing.service';
import { InviteMintService } from './invite-mint.service';
import { InviteController } from './invite.controller';
import { InviteRepository } from './invite.repository';
import { PendingInviteRepository } from './pending-invite.repository';
import { PublicInviteController } from './public-invite.controller';
import { PublicRateLimitService } from './public-rate-limit.service';

/** Invites (invites.md): minting, management, the public landing/resolution, v2 claims and v1 joins. */
@Module({
  imports: [AuthModule, MeshModule, AuditModule, MailModule],
  controllers: [InviteController, PublicInviteController],
  providers: [
    InviteRepository,
    PendingInviteRepository,
    AdmissionRepository,
    AdmissionService,
    PublicRateLimitService,
    InviteMintService,
    InviteAdminService,
    InviteClaimService,
    InviteJoinService,
    InviteLandingService,
  ],
  exports: [InviteMintService],
})
export class InviteModule {}
