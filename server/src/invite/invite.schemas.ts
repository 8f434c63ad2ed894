/** OpenAPI response schemas of the invite endpoints (the shared DTOs carry no swagger decorators). */
const str = { type: 'string' } as const;
const strN = { type: 'string', nullable: true } as const;
const int = { type: 'integer' } as const;
const iso = { type: 'string', format: 'date-time' } as const;
const isoN = { type: 'string', format: 'date-time', nullable: true } as const;
const role = { type: 'string', enum: ['member', 'admin'] } as const;

export const MAIL_INFO_SCHEMA = {
  type: 'object',
  properties: { transport: { type: 'string', enum: ['outbox', 'smtp', 'postmark'] }, status: str, outboxId: str },
};

export const INVITE_SCHEMA = {
  type: 'object',
  properties: {
    id: str,
    version: { type: 'integer', enum: [1, 2] },
    code: strN,
    shortUrl: strN,
    role,
    maxUses: int,
    usedCount: int,
    status: { type: 'string', enum: ['valid', 'revoked', 'expired', 'exhausted'] },
    expiresAt: iso,
    createdAt: iso,
    revokedAt: isoN,
    createdBy: { type: 'object', nullable: true, properties: { accountId: str, displayName: str } },
    email: strN,
    acceptedAt: isoN,
  },
};

export const CREATED_INVITE_SCHEMA = {
  allOf: [
    INVITE_SCHEMA,
    {
      type: 'object',
      properties: {
        cliCommand: str,
        canonicalV2: { ...str, description: 'v2 only' },
        signature: { ...str, description: 'v2 only' },
        ownerPubkey: { ...str, description: 'v2 only' },
        token: { ...str, description: 'v1 only, in this response only' },
        joinUrl: { ...str, description: 'v1 only' },
        mail: { ...MAIL_INFO_SCHEMA, description: 'email invites only' },
      },
    },
  ],
};

export const CLAIM_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    sealed_root_key: { ...str, description: 'base64url crypto_box_seal of the 32-byte root key (80 bytes)' },
    mesh_id: str,
    mesh_name: str,
    member_id: str,
    role,
    already_member: { type: 'boolean' },
    root_key_epoch: int,
    owner_pubkey: str,
    canonical_v2: str,
    signature: str,
    broker_url: str,
  },
};

export const JOIN_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    member_id: str,
    mesh_id: str,
    mesh_name: str,
    role,
    already_member: { type: 'boolean' },
    broker_url: str,
    owner_pubkey: str,
    root_key_epoch: int,
  },
};

export const LANDING_SCHEMA = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['valid', 'revoked', 'mesh_archived', 'expired', 'exhausted'] },
    version: { type: 'integer', enum: [1, 2] },
    code: strN,
    mesh: { type: 'object', properties: { name: str, slug: str } },
    inviter: { type: 'object', nullable: true, properties: { displayName: str } },
    role,
    roleCapabilities: { type: 'array', items: str },
    memberCount: int,
    onlineCount: int,
    maxUses: int,
    usedCount: int,
    usesRemaining: int,
    expiresAt: iso,
    revokedAt: isoN,
    shortUrl: strN,
    cliCommand: strN,
    installCommand: strN,
    ownerKeyFingerprint: str,
    consent: { type: 'array', items: str },
  },
};

export const CODE_RESOLUTION_SCHEMA = {
  type: 'object',
  properties: { token: str, version: { type: 'integer', enum: [1, 2] } },
};
