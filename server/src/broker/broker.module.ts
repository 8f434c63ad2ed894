import { Module } from '@nestjs/common';
import { MeshModule } from '../mesh/mesh.module';
import { PresenceModule } from '../presence/presence.module';
import { UiModule } from '../ui/ui.module';
import { BrokerGateway } from './broker.gateway';
import { BrokerService } from './broker.service';
import { BrokerTasks } from './broker.tasks';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryService } from './delivery.service';
import { HandshakeRepository } from './handshake.repository';
import { HandshakeService } from './handshake.service';
import { MessageRepository } from './message.repository';
import { RootKeyService } from './root-key.service';
import { SendService } from './send.service';

/** The /peer protocol (protocol.md §3–§7): handshake, events, durable delivery. Also brings in the /ui namespace. */
@Module({
  imports: [MeshModule, PresenceModule, UiModule],
  providers: [
    HandshakeRepository,
    MessageRepository,
    DeliveryRepository,
    HandshakeService,
    SendService,
    DeliveryService,
    RootKeyService,
    BrokerService,
    BrokerGateway,
    BrokerTasks,
  ],
  exports: [DeliveryService, SendService],
})
export class BrokerModule {}
