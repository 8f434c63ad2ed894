import { iso, isoNullable } from '../auth/openapi';

/** OpenAPI schemas of the mesh responses (shared/src/dto/mesh). */
const ROLE = { type: 'string', enum: ['owner', 'admin', 'member'] };

export const MESH_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    slug: { type: 'string' },
    role: ROLE,
    owner: { type: 'object', properties: { accountId: { type: 'string' }, displayName: { type: 'string' } } },
    ownerPubkey: { type: 'string', description: 'ed25519 public key, 64 hex' },
    rootKeyEpoch: { type: 'integer' },
    createdAt: iso,
    archivedAt: isoNullable,
    counts: {
      type: 'object',
      properties: {
        members: { type: 'integer' },
        online: { type: 'integer' },
        pendingInvites: { type: 'integer', nullable: true, description: 'null for plain members' },
      },
    },
  },
};

export const MESH_LIST_ITEM_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    slug: { type: 'string' },
    role: ROLE,
    createdAt: iso,
    archivedAt: isoNullable,
    memberCount: { type: 'integer' },
    onlineCount: { type: 'integer' },
  },
};

export const MEMBER_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    displayName: { type: 'string' },
    pubkey: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'member'] },
    groups: { type: 'array', items: { type: 'string' } },
    joinedAt: iso,
    lastSeenAt: isoNullable,
    removedAt: isoNullable,
    linkedAccount: {
      type: 'object',
      nullable: true,
      properties: { accountId: { type: 'string' }, displayName: { type: 'string' }, email: { type: 'string', description: 'admin+ only' } },
    },
    online: { type: 'boolean' },
    sessions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          sessionId: { type: 'string', format: 'uuid' },
          displayName: { type: 'string' },
          status: { type: 'string', enum: ['idle', 'working', 'dnd'] },
          statusSource: { type: 'string', enum: ['hook', 'manual', 'inferred'] },
          summary: { type: 'string' },
          cwd: { type: 'string', nullable: true },
          connected: { type: 'boolean', description: 'false = in grace' },
          connectedAt: iso,
        },
      },
    },
  },
};

export const REMOVED_MEMBER_SCHEMA = { type: 'object', properties: { id: { type: 'string' }, removedAt: iso } };
export const EPOCH_SCHEMA = { type: 'object', properties: { epoch: { type: 'integer' } } };
