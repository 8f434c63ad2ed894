import { AUDIT_BREAK_REASONS, AUDIT_EVENT_TYPES } from '@claudemesh/shared/protocol';
import { iso } from '../auth/openapi';

/** OpenAPI schemas of the audit responses (api.md §6; types in shared/src/protocol/audit.ts). */
const HEX64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };

export const AUDIT_EVENT_SCHEMA = {
  type: 'object',
  required: ['seq', 'type', 'actor', 'data', 'createdAt', 'prevHash', 'hash'],
  properties: {
    seq: { type: 'integer' },
    type: { type: 'string', enum: [...AUDIT_EVENT_TYPES] },
    actor: {
      type: 'object',
      properties: {
        kind: { type: 'string', enum: ['account', 'member', 'system'] },
        id: { type: 'string', nullable: true },
        displayName: { type: 'string', nullable: true },
      },
    },
    data: { type: 'object', description: 'metadata only (security.md §3 item 3)' },
    createdAt: iso,
    prevHash: HEX64,
    hash: HEX64,
  },
};

export const AUDIT_LIST_SCHEMA = {
  type: 'object',
  required: ['data', 'nextBefore'],
  properties: {
    data: { type: 'array', items: AUDIT_EVENT_SCHEMA },
    nextBefore: { type: 'integer', nullable: true, description: 'pass as `before` for the next (older) page; null at the end' },
  },
};

export const AUDIT_VERIFY_SCHEMA = {
  type: 'object',
  required: ['valid', 'checked'],
  properties: {
    valid: { type: 'boolean' },
    checked: { type: 'integer' },
    headSeq: { type: 'integer', description: 'when valid' },
    headHash: { ...HEX64, description: 'when valid' },
    brokenAt: {
      type: 'object',
      description: 'when not valid: the first broken link',
      properties: { seq: { type: 'integer' }, reason: { type: 'string', enum: [...AUDIT_BREAK_REASONS] } },
    },
  },
};
