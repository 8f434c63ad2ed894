import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { MeshRole } from '@claudemesh/shared/protocol';

const LABELS: Record<MeshRole, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };

@Component({
  selector: 'cm-role-badge',
  template: `<span class="badge badge-{{ role() }}">{{ label() }}</span>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RoleBadgeComponent {
  readonly role = input.required<MeshRole>();
  protected readonly label = computed(() => LABELS[this.role()]);
}
