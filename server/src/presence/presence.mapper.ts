import type { Peer, PeerLeftEvent, PeerStatusEvent, EndReason } from '@claudemesh/shared/protocol';
import type { OfflineMemberRow, PresenceRow } from './presence.repository';

/** Rows → the contract shapes of protocol.md §7 (Peer, peer_left, peer_status). */
export function toPeer(r: PresenceRow, selfMemberId: string | null): Peer {
  return {
    memberId: r.member_id,
    pubkey: r.peer_pubkey,
    displayName: r.display_name,
    role: r.role,
    sessionId: r.session_id,
    status: r.status,
    statusSource: r.status_source,
    summary: r.summary,
    groups: r.groups ?? [],
    cwd: r.cwd,
    connected: r.disconnected_at === null,
    connectedAt: new Date(r.connected_at).toISOString(),
    self: r.member_id === selfMemberId,
  };
}

export function toOfflinePeer(r: OfflineMemberRow, selfMemberId: string | null): Peer {
  return {
    memberId: r.id,
    pubkey: r.peer_pubkey,
    displayName: r.display_name,
    role: r.role,
    sessionId: null,
    status: null,
    statusSource: null,
    summary: '',
    groups: r.groups ?? [],
    cwd: null,
    connected: false,
    connectedAt: null,
    self: r.id === selfMemberId,
  };
}

export function toPeerLeft(r: PresenceRow, reason: EndReason): PeerLeftEvent {
  return { memberId: r.member_id, pubkey: r.peer_pubkey, displayName: r.display_name, sessionId: r.session_id, reason };
}

export function toPeerStatus(r: PresenceRow): PeerStatusEvent {
  return {
    memberId: r.member_id,
    sessionId: r.session_id,
    displayName: r.display_name,
    status: r.status,
    statusSource: r.status_source,
    summary: r.summary,
    groups: r.groups ?? [],
  };
}
