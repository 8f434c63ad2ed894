import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import type { MeshResponse } from '@claudemesh/shared/dto';
import type { AuditEvent, AuditVerifyResponse } from '@claudemesh/shared/protocol';

import { MeshApiService } from './mesh-api.service';
import { MemberNames, auditActor, auditText, verifyText } from './mesh-audit-text';

@Component({
  selector: 'cm-mesh-audit',
  imports: [DatePipe],
  templateUrl: './mesh-audit.component.html',
  styles: `
    :host { display: block; }
    .verify { padding: 0 var(--space-5); }
    .verify .alert { margin-bottom: var(--space-4); }
    .verify code { font-size: 0.8rem; }
    .seq { color: var(--c-text-3); font-variant-numeric: tabular-nums; width: 3.5rem; }
    .title { font-weight: 600; }
    .type { font-size: 0.78rem; color: var(--c-text-3); }
    .more { padding: var(--space-3) var(--space-5) var(--space-4); }
    .loading, .empty-row { padding: var(--space-4) var(--space-5); margin: 0; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MeshAuditComponent {
  readonly mesh = input.required<MeshResponse>();
  readonly version = input(0);
  /** Member names by id, so entries about a member name them. */
  readonly memberNames = input<MemberNames>(new Map());
  private readonly api = inject(MeshApiService);
  protected readonly events = signal<AuditEvent[] | null>(null);
  protected readonly nextBefore = signal<number | null>(null);
  protected readonly verifying = signal(false);
  protected readonly verify = signal<AuditVerifyResponse | null>(null);
  protected readonly rows = computed(() => {
    const names = this.memberNames();
    return (this.events() ?? []).map((e) => ({ e, text: auditText(e, names), actor: auditActor(e) }));
  });
  protected readonly verifyText = verifyText;

  constructor() {
    effect(() => {
      const id = this.mesh().id;
      this.version();
      untracked(() => void this.loadFirst(id));
    });
  }

  private async loadFirst(id: string): Promise<void> {
    try {
      const page = await this.api.audit(id);
      this.events.set(page.data);
      this.nextBefore.set(page.nextBefore);
    } catch {
      if (!this.events()) this.events.set([]);
    }
  }

  protected async loadOlder(): Promise<void> {
    const before = this.nextBefore();
    if (!before) return;
    try {
      const page = await this.api.audit(this.mesh().id, before);
      this.events.update((list) => [...(list ?? []), ...page.data]);
      this.nextBefore.set(page.nextBefore);
    } catch {
      // shown by the interceptor
    }
  }

  protected async verifyChain(): Promise<void> {
    this.verifying.set(true);
    this.verify.set(null);
    try {
      this.verify.set(await this.api.verifyAudit(this.mesh().id));
    } catch {
      // shown by the interceptor
    } finally {
      this.verifying.set(false);
    }
  }
}
