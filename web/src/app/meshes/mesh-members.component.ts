import { ChangeDetectionStrategy, Component, computed, effect, inject, input, output, signal, untracked } from '@angular/core';
import type { MemberResponse, MeshResponse } from '@claudemesh/shared/dto';

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
    ownerRows.push({ key: 'owner', member: null, displayName: mesh.owner.displayName, role: 'owner', detail: 'Web account · no peer linked' });
  }
  return [...ownerRows, ...others];
}

@Component({
  selector: 'cm-mesh-members',
  imports: [RoleBadgeComponent, RelativeTimePipe],
  templateUrl: './mesh-members.component.html',
  styleUrl: './mesh-members.component.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MeshMembersComponent {
  readonly mesh = input.required<MeshResponse>();
  /** Bumped by the live feed; each bump refetches. */
  readonly version = input(0);
  readonly changed = output<void>();
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
      if (id === this.mesh().id) this.members.set(page.data);
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
