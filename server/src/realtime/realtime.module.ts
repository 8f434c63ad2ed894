import { Global, Module } from '@nestjs/common';
import { RealtimeRepository } from './realtime.repository';
import { RealtimeService } from './realtime.service';

/**
 * The Socket.IO holder (namespaces /peer and /ui, the Redis streams adapter). Global and below every feature module:
 * mesh, invite and audit call it; it calls up only through handlers the broker registers.
 */
@Global()
@Module({
  providers: [RealtimeService, RealtimeRepository],
  exports: [RealtimeService],
})
export class RealtimeModule {}
