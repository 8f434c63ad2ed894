import { iso, isoNullable } from './openapi';

/** OpenAPI schemas of the auth responses (shared/src/dto/auth, admin). */
export const ACCOUNT_SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, email: { type: 'string' }, displayName: { type: 'string' }, isAdmin: { type: 'boolean' }, createdAt: iso },
};
export const ACCOUNT_ENVELOPE_SCHEMA = { type: 'object', properties: { account: ACCOUNT_SCHEMA } };
export const ME_SCHEMA = { type: 'object', properties: { account: ACCOUNT_SCHEMA, auth: { type: 'string', enum: ['session', 'token'] } } };
export const TOKEN_SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, prefix: { type: 'string' }, createdAt: iso, lastUsedAt: isoNullable, expiresAt: isoNullable },
};
export const CREATED_TOKEN_SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, prefix: { type: 'string' }, token: { type: 'string', description: 'shown only once' }, createdAt: iso, expiresAt: isoNullable },
};
export const ADMIN_ACCOUNT_SCHEMA = {
  type: 'object',
  properties: { ...ACCOUNT_SCHEMA.properties, disabledAt: isoNullable, lastLoginAt: isoNullable },
};
export const PUBLIC_CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    version: { type: 'string' },
    allowSignup: { type: 'boolean' },
    needsSetup: { type: 'boolean' },
    v1InvitesEnabled: { type: 'boolean' },
    publicUrl: { type: 'string' },
  },
};
