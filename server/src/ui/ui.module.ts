import { Module } from '@nestjs/common';
import { MeshModule } from '../mesh/mesh.module';
import { UiGateway } from './ui.gateway';

/** The /ui live namespace for the web app (api.md §10). Imported by BrokerModule; Socket.IO itself lives in RealtimeService. */
@Module({
  imports: [MeshModule],
  providers: [UiGateway],
})
export class UiModule {}
