import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { FormControl, FormsModule, ReactiveFormsModule } from '@angular/forms';
import type { CreatedTokenResponse, TokenResponse } from '@claudemesh/shared/dto';

import { NotificationService } from '../core/notification.service';
import { CopyButtonComponent } from '../shared/copy-button.component';
import { RelativeTimePipe } from '../shared/relative-time.pipe';
import { TokenApiService } from './token-api.service';

@Component({
  selector: 'cm-tokens',
  imports: [FormsModule, ReactiveFormsModule, DatePipe, CopyButtonComponent, RelativeTimePipe],
  templateUrl: './tokens.component.html',
  styles: `
    .create { display: grid; grid-template-columns: 1fr 180px auto; gap: var(--space-3); align-items: end; }
    .create .field + .field { margin-top: 0; }
    @media (max-width: 640px) { .create { grid-template-columns: 1fr; } }
    .created { margin-top: var(--space-4); }
    .created .code-box { margin-top: var(--space-2); }
    .loading, .empty-row { padding: var(--space-4) var(--space-5); margin: 0; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TokensComponent implements OnInit {
  private readonly api = inject(TokenApiService);
  private readonly notifications = inject(NotificationService);
  protected readonly tokens = signal<TokenResponse[] | null>(null);
  protected readonly created = signal<CreatedTokenResponse | null>(null);
  protected readonly busy = signal(false);
  protected readonly name = new FormControl('', { nonNullable: true });
  protected readonly expiry = new FormControl('90', { nonNullable: true });

  ngOnInit(): void {
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.tokens.set((await this.api.list()).data);
    } catch {
      if (!this.tokens()) this.tokens.set([]);
    }
  }

  protected async create(): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    try {
      const days = this.expiry.value === 'never' ? null : Number(this.expiry.value);
      this.created.set(await this.api.create(this.name.value, days));
      this.name.setValue('');
      await this.load();
    } catch {
      // shown by the interceptor
    } finally {
      this.busy.set(false);
    }
  }

  protected async revoke(t: TokenResponse): Promise<void> {
    if (!confirm(`Revoke the token "${t.name}"? Anything using it stops working at once.`)) return;
    try {
      await this.api.revoke(t.id);
      if (this.created()?.id === t.id) this.created.set(null);
      this.notifications.success('Token revoked');
      await this.load();
    } catch {
      // shown by the interceptor
    }
  }
}
