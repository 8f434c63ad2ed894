import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { MemberController } from './member.controller';
import { MemberRepository } from './member.repository';
import { MemberService } from './member.service';
import { MeshAccessService } from './mesh-access.service';
import { MeshKeysService } from './mesh-keys.service';
import { MeshController } from './mesh.controller';
import { MeshRepository } from './mesh.repository';
import { MeshService } from './mesh.service';

/**
 * Meshes, members, access checks and key management (api.md §3–§4). Exports MeshAccessService, MeshKeysService
 * and MemberService for the invite, broker, audit and ui modules; re-exports AuthModule so importers get AuthGuard.
 */
@Module({
  imports: [AuthModule, AuditModule, RealtimeModule],
  controllers: [MeshController, MemberController],
  providers: [MeshRepository, MemberRepository, MeshAccessService, MeshKeysService, MeshService, MemberService],
  exports: [MeshAccessService, MeshKeysService, MemberService, MeshRepository, MemberRepository, AuthModule],
})
export class MeshModule {}
