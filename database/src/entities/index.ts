import { AccountEntity } from './account.entity';
import { AuditEventEntity } from './audit-event.entity';
import { AuthSessionEntity } from './auth-session.entity';
import { DeliveryEntity } from './delivery.entity';
import { HandshakeReplayEntity } from './handshake-replay.entity';
import { InstanceEntity } from './instance.entity';
import { InviteEntity } from './invite.entity';
import { MailOutboxEntity } from './mail-outbox.entity';
import { MemberEntity } from './member.entity';
import { MeshRootKeyEntity } from './mesh-root-key.entity';
import { MeshEntity } from './mesh.entity';
import { MessageEntity } from './message.entity';
import { PendingInviteEntity } from './pending-invite.entity';
import { PersonalAccessTokenEntity } from './personal-access-token.entity';
import { PresenceEntity } from './presence.entity';
import { ServerNodeEntity } from './server-node.entity';

export * from './account.entity';
export * from './audit-event.entity';
export * from './auth-session.entity';
export * from './delivery.entity';
export * from './handshake-replay.entity';
export * from './instance.entity';
export * from './invite.entity';
export * from './mail-outbox.entity';
export * from './member.entity';
export * from './mesh-root-key.entity';
export * from './mesh.entity';
export * from './message.entity';
export * from './pending-invite.entity';
export * from './personal-access-token.entity';
export * from './presence.entity';
export * from './server-node.entity';

/** Every entity, one per table of data-model.md §2. */
export const ALL_ENTITIES = [
  InstanceEntity,
  AccountEntity,
  AuthSessionEntity,
  PersonalAccessTokenEntity,
  ServerNodeEntity,
  HandshakeReplayEntity,
  MeshEntity,
  MeshRootKeyEntity,
  MemberEntity,
  InviteEntity,
  PendingInviteEntity,
  PresenceEntity,
  MessageEntity,
  DeliveryEntity,
  AuditEventEntity,
  MailOutboxEntity,
];
