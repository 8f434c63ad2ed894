import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { MemberResponse, MeshResponse } from '@claudemesh/shared/dto';

import { RoleBadgeComponent } from '../shared/role-badge.component';
import { MeshApiService } from './mesh-api.service';
import { MeshAuditComponent } from './mesh-audit.component';
import { MeshInvitesComponent } from './mesh-invites.component';
import { LiveTopic, MeshLiveService } from './mesh-live.service';
import { MeshMembersComponent } from './mesh-members.component';
import { MeshSettingsComponent } from './mesh-settings.component';

@Component({
  selector: 'cm-mesh-detail',
  imports: [RouterLink, DatePipe, RoleBadgeComponent, MeshMembersComponent, MeshInvitesComponent, MeshAuditComponent, MeshSettingsComponent],
  providers: [MeshLiveService],
  templateUrl: './mesh-detail.component.html',
  styleUrl: './mesh-detail.component.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MeshDetailComponent {
  readonly id = input.required<string>();
  private readonly api = inject(MeshApiService);
  protected readonly live = inject(MeshLiveService);
  protected readonly mesh = signal<MeshResponse | null>(null);
  protected readonly loadError = signal<string | null>(null);
  protected readonly membersVersion = signal(0);
  protected readonly invitesVersion = signal(0);
  protected readonly auditVersion = signal(0);
  protected readonly memberNames = signal<ReadonlyMap<string, string>>(new Map());
  protected readonly isAdmin = computed(() => this.mesh()?.role === 'owner' || this.mesh()?.role === 'admin');
  protected readonly archived = computed(() => !!this.mesh()?.archivedAt);

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() => {
        this.mesh.set(null);
        this.memberNames.set(new Map());
        void this.loadMesh(id);
        this.live.start(id, (topics) => this.onLiveChange(topics));
      });
    });
  }

  protected onMembers(members: MemberResponse[]): void {
    // Keep names of members seen earlier, so an entry about a member removed since still names them.
    const names = new Map(this.memberNames());
    for (const m of members) names.set(m.id, m.displayName);
    this.memberNames.set(names);
  }

  protected onMeshChanged(mesh: MeshResponse): void {
    this.mesh.set(mesh);
    this.auditVersion.update((v) => v + 1);
  }

  protected async loadMesh(id = this.id()): Promise<void> {
    this.loadError.set(null);
    try {
      this.mesh.set(await this.api.get(id));
    } catch (err) {
      if (!this.mesh()) this.loadError.set(err instanceof Error ? err.message : String(err));
    }
  }

  private onLiveChange(topics: Set<LiveTopic>): void {
    if (topics.has('members')) {
      this.membersVersion.update((v) => v + 1);
      void this.loadMesh();
    }
    if (topics.has('invites')) {
      this.invitesVersion.update((v) => v + 1);
      void this.loadMesh();
    }
    if (topics.has('audit')) this.auditVersion.update((v) => v + 1);
  }
}
