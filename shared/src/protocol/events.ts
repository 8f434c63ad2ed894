import type { AckError } from '../errors/error-codes';
import type { EndReason, MemberRole, PeerStatus, Priority, StatusSource, TerminateReason } from './constants';

/** The `auth` object of a `/peer` connect (protocol.md §4). */
export interface PeerHelloAuth {
  meshId: string;
  pubkey: string;
  sessionId: string;
  timestamp: number;
  signature: string;
  displayName?: string;
  pid?: number;
  cwd?: string;
  groups?: string[];
  passive?: boolean;
  client?: string;
}

/** Peer object (protocol.md §7.1). */
export interface Peer {
  memberId: string;
  pubkey: string;
  displayName: string;
  role: MemberRole;
  sessionId: string | null;
  status: PeerStatus | null;
  statusSource: StatusSource | null;
  summary: string;
  groups: string[];
  cwd: string | null;
  connected: boolean;
  connectedAt: string | null;
  self: boolean;
}

export interface SealedRootKey {
  epoch: number;
  sealed: string;
}

// ---- client → server payloads and acks ----
export interface SendPayload {
  clientId: string;
  to: string;
  toSession?: string;
  priority?: Priority;
  keyEpoch?: number;
  nonce: string;
  ciphertext: string;
}
export interface SendResult {
  messageId: string;
  seq: number;
  recipients: number;
  duplicate: boolean;
}
export interface AckPayload {
  messageIds: string[];
}
export interface AckResult {
  acked: number;
  ignored: number;
}
export interface SetStatusPayload {
  status: PeerStatus;
  sessionId?: string;
}
export interface SetStatusResult {
  applied: boolean;
  status: PeerStatus;
  source: StatusSource;
}
export interface SetSummaryPayload {
  summary: string;
  sessionId?: string;
}
export interface SetGroupsPayload {
  groups: string[];
}
export interface SetGroupsResult {
  groups: string[];
}
export interface ListPeersPayload {
  includeOffline?: boolean;
  limit?: number;
  cursor?: string;
}
export interface ListPeersResult {
  peers: Peer[];
  nextCursor: string | null;
}
export interface GetRootKeyPayload {
  epoch?: number;
}
export type GetRootKeyResult = SealedRootKey;
export type LeavePayload = Record<string, never>;

/** Every ack: `{ok:true, …result}` or `{ok:false, error}`. */
export type Ack<T = object> = ({ ok: true } & T) | { ok: false; error: AckError };

/** Typed map of client → server events: name → [payload, ack result]. */
export interface PeerClientEvents {
  send: [SendPayload, SendResult];
  ack: [AckPayload, AckResult];
  set_status: [SetStatusPayload, SetStatusResult];
  set_summary: [SetSummaryPayload, object];
  set_groups: [SetGroupsPayload, SetGroupsResult];
  list_peers: [ListPeersPayload, ListPeersResult];
  get_root_key: [GetRootKeyPayload, GetRootKeyResult];
  leave: [LeavePayload, object];
}
export type PeerClientEventName = keyof PeerClientEvents;
export const PEER_CLIENT_EVENTS: PeerClientEventName[] = [
  'send',
  'ack',
  'set_status',
  'set_summary',
  'set_groups',
  'list_peers',
  'get_root_key',
  'leave',
];

// ---- server → client payloads ----
export interface WelcomeEvent {
  protocol: 1;
  meshId: string;
  meshName: string;
  memberId: string;
  role: MemberRole;
  presenceId: string | null;
  sessionId: string;
  reattached: boolean;
  hookToken: string | null;
  rootKey: SealedRootKey;
  peers: Peer[];
  peerCount: number;
  queued: number;
  limits: { maxMessageBytes: number; claimLeaseSeconds: number; maxInflight: number };
  serverTime: number;
}
export interface MessageFrom {
  memberId: string;
  pubkey: string;
  displayName: string;
  sessionId: string;
}
export interface MessageEvent {
  id: string;
  seq: number;
  meshId: string;
  from: MessageFrom;
  to: string;
  toSession: string | null;
  priority: Priority;
  keyEpoch: number | null;
  nonce: string;
  ciphertext: string;
  sentAt: string;
  attempt: number;
}
export interface PeerLeftEvent {
  memberId: string;
  pubkey: string;
  displayName: string;
  sessionId: string;
  reason: EndReason;
}
export interface PeerStatusEvent {
  memberId: string;
  sessionId: string;
  displayName: string;
  status: PeerStatus;
  statusSource: StatusSource;
  summary: string;
  groups: string[];
}
export interface SessionReplacedEvent {
  sessionId: string;
  replacedAt: string;
}
export type RootKeyRotatedEvent = SealedRootKey;
export interface TerminatedEvent {
  reason: TerminateReason;
  message: string;
}

/** Typed map of server → client events on `/peer`. */
export interface PeerServerEvents {
  welcome: WelcomeEvent;
  message: MessageEvent;
  peer_joined: Peer;
  peer_left: PeerLeftEvent;
  peer_status: PeerStatusEvent;
  session_replaced: SessionReplacedEvent;
  root_key_rotated: RootKeyRotatedEvent;
  terminated: TerminatedEvent;
}

// ---- /ui namespace (api.md §10) ----
export interface UiSubscribePayload {
  meshId: string;
}
export type UiPresenceEvent =
  | { meshId: string; kind: 'joined' | 'status'; peer: Peer }
  | { meshId: string; kind: 'left'; peer: PeerLeftEvent };
export interface UiServerEvents {
  presence: UiPresenceEvent;
  members_changed: { meshId: string };
  invites_changed: { meshId: string };
  audit_appended: { meshId: string; seq: number };
  subscription_ended: { meshId: string };
}

/** Hook endpoint (protocol.md §9). */
export interface HookSetStatusBody {
  status: PeerStatus;
  sessionId?: string;
}
export interface HookSetStatusResponse {
  ok: true;
  applied: boolean;
  status: PeerStatus;
  source: StatusSource;
  presenceId: string;
}
