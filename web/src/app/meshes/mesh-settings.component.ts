import { ChangeDetectionStrategy, Component, computed, effect, inject, input, output, signal } from '@angular/core';
import { FormControl, FormsModule, ReactiveFormsModule } from '@angular/forms';
import type { MeshResponse } from '@claudemesh/shared/dto';

import { NotificationService } from '../core/notification.service';
import { MeshApiService } from './mesh-api.service';

/** Rename and rotate (admin+), transfer and archive (owner). Hidden for plain members. */
@Component({
  selector: 'cm-mesh-settings',
  imports: [FormsModule, ReactiveFormsModule],
  templateUrl: './mesh-settings.component.html',
  styles: `
    :host { display: block; }
    .setting { display: flex; flex-wrap: wrap; gap: var(--space-4); align-items: flex-end; justify-content: space-between; padding: var(--space-4) 0; border-top: 1px solid var(--c-border); }
    .card-header + .setting { border-top: 0; padding-top: 0; }
    .setting .text { flex: 1 1 280px; }
    .setting .text p { margin: 2px 0 0; }
    .setting form { display: flex; flex-wrap: wrap; gap: var(--space-2); flex: 1 1 320px; }
    .setting form .input { min-width: 0; flex: 1 1 180px; }
    .danger h3 { color: var(--c-danger); }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MeshSettingsComponent {
  readonly mesh = input.required<MeshResponse>();
  readonly changed = output<MeshResponse>();
  private readonly api = inject(MeshApiService);
  private readonly notifications = inject(NotificationService);
  protected readonly name = new FormControl('', { nonNullable: true });
  protected readonly transferEmail = new FormControl('', { nonNullable: true });
  protected readonly busy = signal(false);
  protected readonly isAdmin = computed(() => this.mesh().role !== 'member');
  protected readonly isOwner = computed(() => this.mesh().role === 'owner');
  protected readonly archived = computed(() => !!this.mesh().archivedAt);

  constructor() {
    effect(() => this.name.setValue(this.mesh().name));
  }

  private async run(action: () => Promise<MeshResponse | null>, done: string): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    try {
      const mesh = await action();
      if (mesh) this.changed.emit(mesh);
      this.notifications.success(done);
    } catch {
      // shown by the interceptor
    } finally {
      this.busy.set(false);
    }
  }

  protected rename(): Promise<void> {
    return this.run(() => this.api.rename(this.mesh().id, this.name.value), 'Mesh renamed');
  }

  protected async rotate(): Promise<void> {
    if (!confirm('Rotate the mesh key? Connected members receive the new key automatically.')) return;
    await this.run(async () => {
      await this.api.rotateRootKey(this.mesh().id);
      return this.api.get(this.mesh().id);
    }, 'Mesh key rotated');
  }

  protected async transfer(): Promise<void> {
    const email = this.transferEmail.value;
    if (!confirm(`Transfer ownership of ${this.mesh().name} to ${email}? You keep only the roles of your own linked members.`)) return;
    await this.run(() => this.api.transfer(this.mesh().id, email), 'Ownership transferred');
  }

  protected async archive(): Promise<void> {
    if (!confirm(`Archive ${this.mesh().name}? Every session is ended, invites stop working, and the mesh becomes read-only.`)) return;
    await this.run(() => this.api.archive(this.mesh().id), 'Mesh archived');
  }
}
