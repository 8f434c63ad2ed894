import { Injectable } from '@nestjs/common';
import {
  parseAckPayload,
  parseGetRootKey,
  parseLeave,
  parseListPeers,
  parseSetGroups,
  parseSetStatus,
  parseSetSummary,
} from '@claudemesh/shared/dto';
import { AckFailure } from '@claudemesh/shared/errors';
import type {
  AckResult,
  GetRootKeyResult,
  ListPeersResult,
  PeerClientEventName,
  SetGroupsResult,
  SetStatusResult,
} from '@claudemesh/shared/protocol';
import { MemberService } from '../mesh/member.service';
import { PresenceService } from '../presence/presence.service';
import { StatusService } from '../presence/status.service';
import type { PeerSocket } from '../realtime/realtime.service';
import { DeliveryService } from './delivery.service';
import { HandshakeRepository } from './handshake.repository';
import { RootKeyService } from './root-key.service';
import { SendService } from './send.service';

/** What a handler returns: the ack body, and optionally work to run right after the ack was sent. */
export interface HandlerResult {
  body: object;
  afterAck?: () => void;
}

/** The client events of protocol.md §7.1 (validation first, then the rule, then the ack body). */
@Injectable()
export class BrokerService {
  readonly handlers: Record<PeerClientEventName, (s: PeerSocket, payload: unknown) => Promise<HandlerResult>>;

  constructor(
    private readonly sends: SendService,
    private readonly delivery: DeliveryService,
    private readonly presence: PresenceService,
    private readonly status: StatusService,
    private readonly rootKeys: RootKeyService,
    private readonly members: MemberService,
    private readonly handshakes: HandshakeRepository,
  ) {
    this.handlers = {
      send: async (s, p) => ({ body: await this.sends.send(s.data, p) }),
      ack: async (s, p) => ({ body: await this.ack(s, p) }),
      set_status: async (s, p) => ({ body: await this.setStatus(s, p) }),
      set_summary: async (s, p) => ({ body: await this.setSummary(s, p) }),
      set_groups: async (s, p) => ({ body: await this.setGroups(s, p) }),
      list_peers: async (s, p) => ({ body: await this.listPeers(s, p) }),
      get_root_key: async (s, p) => ({ body: await this.getRootKey(s, p) }),
      leave: (s, p) => this.leave(s, p),
    };
  }

  private ack(s: PeerSocket, p: unknown): Promise<AckResult> {
    const { messageIds } = parseAckPayload(p);
    return this.delivery.ack(s, messageIds);
  }

  /** The presence a status/summary change targets: `sessionId` of the caller's member, else the caller's own. */
  private async targetPresence(s: PeerSocket, sessionId: string | undefined): Promise<string> {
    if (sessionId === undefined) {
      if (s.data.passive || !s.data.presenceId) throw new AckFailure('forbidden', 'A passive connection must name the target sessionId');
      return s.data.presenceId;
    }
    const row = await this.presence.findLiveByMemberSession(s.data.memberId, sessionId);
    if (!row) throw new AckFailure('forbidden', 'sessionId is not a live session of this member');
    return row.id;
  }

  private async setStatus(s: PeerSocket, p: unknown): Promise<SetStatusResult> {
    const { status, sessionId } = parseSetStatus(p);
    const presenceId = await this.targetPresence(s, sessionId);
    const out = await this.status.apply(presenceId, status, 'manual');
    if (!out) throw new AckFailure('forbidden', 'That session has ended');
    return { applied: out.applied, status: out.status, source: out.source };
  }

  private async setSummary(s: PeerSocket, p: unknown): Promise<object> {
    const { summary, sessionId } = parseSetSummary(p);
    await this.presence.setSummary(await this.targetPresence(s, sessionId), summary);
    return {};
  }

  private async setGroups(s: PeerSocket, p: unknown): Promise<SetGroupsResult> {
    const { groups } = parseSetGroups(p);
    await this.presence.setGroups(s.data.memberId, groups);
    return { groups };
  }

  private async listPeers(s: PeerSocket, p: unknown): Promise<ListPeersResult> {
    const q = parseListPeers(p);
    const { peers, nextCursor } = await this.presence.listPeers(s.data.meshId, s.data.memberId, q);
    return { peers, nextCursor };
  }

  private getRootKey(s: PeerSocket, p: unknown): Promise<GetRootKeyResult> {
    const { epoch } = parseGetRootKey(p);
    return this.rootKeys.forMember(s, epoch, () => this.handshakes.currentEpoch(s.data.meshId));
  }

  /**
   * `leave`: ends the membership. This socket leaves its member room first so that the termination broadcast skips it;
   * it gets its `{ok:true}` ack, then `terminated {left}`, then the disconnect.
   */
  private async leave(s: PeerSocket, p: unknown): Promise<HandlerResult> {
    parseLeave(p);
    const room = `member:${s.data.memberId}`;
    void s.leave(room);
    try {
      await this.members.leave(s.data.meshId, s.data.memberId);
    } catch (e) {
      void s.join(room);
      throw e;
    }
    return {
      body: {},
      afterAck: () => {
        (s as unknown as { emit(e: string, p: unknown): void }).emit('terminated', { reason: 'left', message: 'You left this mesh' });
        s.disconnect(true);
      },
    };
  }
}
