import { ChangeDetectionStrategy, Component, computed, effect, inject, input, output, signal, untracked } from '@angular/core';
import { FormsModule } from '@angular/forms';
import type { MemberResponse, MemberSessionResponse, MeshResponse } from '@claudemesh/shared/dto';
import type { PeerStatus, StatusSource } from '@claudemesh/shared/protocol';

import { NotificationService } from '../core/notification.service';
import { RelativeTimePipe } from '../shared/relative-time.pipe';
import { RoleBadgeComponent } from '../shared/role-badge.component';
import { MeshApiService } from './mesh-api.service';

/** A row of the members table; the owner comes first even without a linked peer identity (api.md §11). */
export interface MemberRow {
  key: string;
  member: MemberResponse | null;
  displayName: string;
  role: 'owner' | 'admin' | 'member';
  detail: string;
}

export function memberRows(mesh: MeshResponse, members: MemberResponse[]): MemberRow[] {
  const ownerId = mesh.owner.accountId;
  const rows: MemberRow[] = members.map((m) => ({
    key: m.id,
    member: m,
    displayName: m.displayName,
    role: m.linkedAccount?.accountId === ownerId ? 'owner' : m.role,
    detail: m.linkedAccount ? (m.linkedAccount.email ?? m.linkedAccount.displayName) : 'No linked account',
  }));
  const ownerRows = rows.filter((r) => r.role === 'owner');
  const others = rows.filter((r) => r.role !== 'owner');
  if (ownerRows.length === 0) {
    // The owner's web account is listed, but it is not a member (no peer identity), so the counts leave it out.
    ownerRows.push({
      key: 'owner',
      member: null,
      displayName: mesh.owner.displayName,
      role: 'owner',
      detail: 'Web account only · not counted until one of their sessions joins',
    });
  }
  return [...ownerRows, ...others];
}

/** A session's status as people read it; `statusSource` says who set it (protocol.md §8). */
export function sessionStatusLabel(s: Pick<MemberSessionResponse, 'connected' | 'status'>): string {
  if (!s.connected) return 'Reconnecting';
  return STATUS_LABELS[s.status];
}

const STATUS_LABELS: Record<PeerStatus, string> = { idle: 'Idle', working: 'Working', dnd: 'Do not disturb' };
const SOURCE_LABELS: Record<StatusSource, string> = {
  hook: 'set by a Claude Code hook',
  manual: 'set by the session',
  inferred: 'inferred from activity',
};

@Component({
  selector: 'cm-mesh-members',
  imports: [FormsModule, RoleBadgeComponent, RelativeTimePipe],
  templateUrl: './mesh-members.component.html',
  styleUrl: './mesh-members.component.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MeshMembersComponent {
  readonly mesh = input.required<MeshResponse>();
  /** Bumped by the live feed; each bump refetches. */
  readonly version = input(0);
  readonly changed = output<void>();
  /** Each fresh list, so other sections can show member names instead of ids. */
  readonly loaded = output<MemberResponse[]>();
  private readonly api = inject(MeshApiService);
  private readonly notifications = inject(NotificationService);
  protected readonly members = signal<MemberResponse[] | null>(null);
  protected readonly rows = computed(() => {
    const list = this.members();
    return list ? memberRows(this.mesh(), list) : null;
  });
  protected readonly canManage = computed(
    () => (this.mesh().role === 'owner' || this.mesh().role === 'admin') && !this.mesh().archivedAt,
  );
  /** The member whose "link an account" form is open. */
  protected readonly linking = signal<string | null>(null);
  protected readonly linkEmail = signal('');
  protected readonly statusLabel = sessionStatusLabel;
  protected readonly sourceLabel = SOURCE_LABELS;
  private loadedFor = '';

  constructor() {
    effect(() => {
      const id = this.mesh().id;
      this.version();
      untracked(() => {
        if (id !== this.loadedFor) this.members.set(null);
        this.loadedFor = id;
        void this.load(id);
      });
    });
  }

  private async load(id: string): Promise<void> {
    try {
      const page = await this.api.members(id);
      if (id === this.mesh().id) {
        this.members.set(page.data);
        this.loaded.emit(page.data);
      }
    } catch {
      if (!this.members()) this.members.set([]);
    }
  }

  protected async setRole(m: MemberResponse, role: 'admin' | 'member'): Promise<void> {
    try {
      await this.api.setMemberRole(this.mesh().id, m.id, role);
      this.notifications.success(`${m.displayName} is now ${role === 'admin' ? 'an admin' : 'a member'}`);
      await this.load(this.mesh().id);
    } catch {
      // shown by the interceptor
    }
  }

  protected startLink(m: MemberResponse): void {
    this.linkEmail.set('');
    this.linking.set(m.id);
  }

  /** Links the member to a web account, which gives that account the member's access (and makes it a transfer target). */
  protected async link(m: MemberResponse): Promise<void> {
    try {
      const email = this.linkEmail().trim();
      await this.api.linkMember(this.mesh().id, m.id, email);
      this.notifications.success(`${m.displayName} is linked to ${email}`);
      this.linking.set(null);
      await this.load(this.mesh().id);
    } catch {
      // shown by the interceptor
    }
  }

  protected async unlink(m: MemberResponse): Promise<void> {
    if (!confirm(`Unlink ${m.displayName} from its web account? That account loses the access this member gave it.`)) return;
    try {
      await this.api.linkMember(this.mesh().id, m.id, null);
      this.notifications.success(`${m.displayName} is no longer linked`);
      await this.load(this.mesh().id);
    } catch {
      // shown by the interceptor
    }
  }

  protected async remove(m: MemberResponse): Promise<void> {
    if (!confirm(`Remove ${m.displayName} from ${this.mesh().name}? Their sessions end now and the mesh key is rotated.`)) return;
    try {
      await this.api.removeMember(this.mesh().id, m.id);
      this.notifications.success(`${m.displayName} was removed`);
      await this.load(this.mesh().id);
      this.changed.emit();
    } catch {
      // shown by the interceptor
    }
  }
}
