import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import type { AdminAccountResponse, MailOutboxItem } from '@claudemesh/shared/dto';

import { AuthService } from '../core/auth.service';
import { NotificationService } from '../core/notification.service';
import { RelativeTimePipe } from '../shared/relative-time.pipe';
import { AdminApiService } from './admin-api.service';

@Component({
  selector: 'cm-admin',
  imports: [ReactiveFormsModule, DatePipe, RelativeTimePipe],
  templateUrl: './admin.component.html',
  styles: `
    .create { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: var(--space-3); align-items: end; }
    .create .field + .field { margin-top: 0; }
    .create .checkbox { min-height: 40px; align-items: center; }
    section + section { margin-top: var(--space-5); }
    .loading, .empty-row { padding: var(--space-4) var(--space-5); margin: 0; }
    details summary { cursor: pointer; color: var(--c-accent-text); font-size: 0.86rem; }
    details pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--c-surface-2); padding: var(--space-3); border-radius: var(--radius-s); max-width: 560px; font-size: 0.82rem; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AdminComponent implements OnInit {
  private readonly api = inject(AdminApiService);
  private readonly notifications = inject(NotificationService);
  protected readonly auth = inject(AuthService);
  protected readonly accounts = signal<AdminAccountResponse[] | null>(null);
  protected readonly outbox = signal<MailOutboxItem[] | null>(null);
  protected readonly busy = signal(false);
  protected readonly form = new FormGroup({
    email: new FormControl('', { nonNullable: true }),
    displayName: new FormControl('', { nonNullable: true }),
    password: new FormControl('', { nonNullable: true }),
    isAdmin: new FormControl(false, { nonNullable: true }),
  });

  ngOnInit(): void {
    void this.loadAccounts();
    void this.loadOutbox();
  }

  private async loadAccounts(): Promise<void> {
    try {
      this.accounts.set((await this.api.accounts()).data);
    } catch {
      if (!this.accounts()) this.accounts.set([]);
    }
  }

  protected async loadOutbox(): Promise<void> {
    try {
      this.outbox.set((await this.api.outbox()).data);
    } catch {
      if (!this.outbox()) this.outbox.set([]);
    }
  }

  protected async create(): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    try {
      const a = await this.api.createAccount(this.form.getRawValue());
      this.notifications.success(`Account created for ${a.email}`);
      this.form.reset();
      await this.loadAccounts();
    } catch {
      // shown by the interceptor
    } finally {
      this.busy.set(false);
    }
  }

  protected async update(a: AdminAccountResponse, patch: { isAdmin?: boolean; disabled?: boolean }, done: string): Promise<void> {
    if (patch.disabled && !confirm(`Disable ${a.email}? Their sessions and tokens are revoked.`)) return;
    try {
      await this.api.updateAccount(a.id, patch);
      this.notifications.success(done);
      await this.loadAccounts();
    } catch {
      // shown by the interceptor
    }
  }
}
