import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, effect, inject, input, output, signal, untracked } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { InviteResponse, MeshResponse } from '@claudemesh/shared/dto';

import { NotificationService } from '../core/notification.service';
import { CopyButtonComponent } from '../shared/copy-button.component';
import { MeshApiService } from './mesh-api.service';

const STATUS_BADGE: Record<InviteResponse['status'], string> = {
  valid: 'badge-success',
  revoked: 'badge-danger',
  expired: 'badge',
  exhausted: 'badge',
};

const STATUS_LABEL: Record<InviteResponse['status'], string> = {
  valid: 'Valid',
  revoked: 'Revoked',
  expired: 'Expired',
  exhausted: 'Used up',
};

@Component({
  selector: 'cm-mesh-invites',
  imports: [DatePipe, RouterLink, CopyButtonComponent],
  templateUrl: './mesh-invites.component.html',
  styles: `
    :host { display: block; }
    .link { font-size: 0.86rem; }
    .empty-row, .loading { padding: var(--space-4) var(--space-5); margin: 0; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MeshInvitesComponent {
  readonly mesh = input.required<MeshResponse>();
  readonly version = input(0);
  readonly changed = output<void>();
  private readonly api = inject(MeshApiService);
  private readonly notifications = inject(NotificationService);
  protected readonly invites = signal<InviteResponse[] | null>(null);
  protected readonly showAll = signal(false);
  protected readonly visible = computed(() => {
    const list = this.invites() ?? [];
    return this.showAll() ? list : list.filter((i) => i.status === 'valid');
  });
  protected readonly hiddenCount = computed(() => (this.invites()?.length ?? 0) - this.visible().length);
  protected readonly badge = STATUS_BADGE;
  protected readonly statusLabel = STATUS_LABEL;

  constructor() {
    effect(() => {
      const id = this.mesh().id;
      this.version();
      untracked(() => void this.load(id));
    });
  }

  private async load(id: string): Promise<void> {
    try {
      const page = await this.api.invites(id);
      this.invites.set(page.data);
    } catch {
      if (!this.invites()) this.invites.set([]);
    }
  }

  protected async revoke(invite: InviteResponse): Promise<void> {
    if (!confirm('Revoke this invite? Its link stops working at once; people who already joined stay members.')) return;
    try {
      await this.api.revokeInvite(this.mesh().id, invite.id);
      this.notifications.success('Invite revoked');
      await this.load(this.mesh().id);
      this.changed.emit();
    } catch {
      // shown by the interceptor
    }
  }
}
