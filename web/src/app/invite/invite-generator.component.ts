import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, computed, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import type { CreateInviteResponse, MeshResponse } from '@claudemesh/shared/dto';
import type { MemberRole } from '@claudemesh/shared/protocol';

import { AuthService } from '../core/auth.service';
import { CopyButtonComponent } from '../shared/copy-button.component';
import { fieldErrors } from '../shared/field-errors';
import { QrCodeComponent } from '../shared/qr-code.component';
import { CreateInviteBody, InviteApiService } from './invite-api.service';

export type InviteMode = 'link' | 'email';

/** "One-time invite for a member, valid 7 days" (invites.md §8.2), following the chosen values. */
export function inviteSummary(o: { role: MemberRole; maxUses: number | string; expiresInDays: number | string; legacyV1?: boolean }): string {
  const uses = Number(o.maxUses);
  const days = Number(o.expiresInDays);
  const who = o.role === 'admin' ? 'admin' : 'member';
  const head =
    uses === 1 ? `One-time invite for ${who === 'admin' ? 'an admin' : 'a member'}` : `Invite for up to ${o.maxUses} ${who}s`;
  const valid = days === 1 ? 'valid 1 day' : `valid ${o.expiresInDays} days`;
  return `${head}, ${valid}${o.legacyV1 ? ' (legacy v1 link)' : ''}`;
}

/** A typed number when the text is one, else the text itself, so the server's validation message is what the user sees. */
function numberOrText(v: string | number): number | string {
  const s = String(v).trim();
  return /^-?\d+$/.test(s) ? Number(s) : s;
}

@Component({
  selector: 'cm-invite-generator',
  imports: [FormsModule, RouterLink, DatePipe, CopyButtonComponent, QrCodeComponent],
  templateUrl: './invite-generator.component.html',
  styleUrl: './invite-generator.component.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class InviteGeneratorComponent implements OnInit {
  /** The mesh id from /meshes/:id/invite. */
  readonly id = input.required<string>();
  private readonly api = inject(InviteApiService);
  private readonly auth = inject(AuthService);

  protected readonly mesh = signal<MeshResponse | null>(null);
  protected readonly v1Enabled = signal(false);
  protected readonly mode = signal<InviteMode>('link');
  protected readonly advancedOpen = signal(false);
  protected readonly role = signal<MemberRole>('member');
  protected readonly maxUses = signal<string | number>(1);
  protected readonly expiresInDays = signal<string | number>(7);
  protected readonly legacyV1 = signal(false);
  protected readonly email = signal('');
  protected readonly busy = signal(false);
  protected readonly errors = signal<Record<string, string>>({});
  protected readonly result = signal<CreateInviteResponse | null>(null);
  /** The address the result was sent to (email mode). */
  protected readonly sentTo = signal<string | null>(null);

  protected readonly summary = computed(() =>
    inviteSummary({ role: this.role(), maxUses: this.maxUses(), expiresInDays: this.expiresInDays(), legacyV1: this.legacyV1() }),
  );
  /** Why this page cannot create invites for the mesh, if it cannot: plain members and archived meshes (api.md §5). */
  protected readonly blocked = computed(() => {
    const m = this.mesh();
    if (!m) return null;
    if (m.archivedAt) return { title: `${m.name} is archived`, body: 'An archived mesh is read-only and accepts no new members, so it takes no new invites.' };
    if (m.role === 'member') return { title: 'Only admins can invite', body: `Ask an owner or admin of ${m.name} to create an invite for you.` };
    return null;
  });
  /** The link people open: the short URL; a v1 invite without a code falls back to its join URL. */
  protected readonly link = computed(() => this.result()?.shortUrl ?? this.result()?.joinUrl ?? '');

  ngOnInit(): void {
    this.api.mesh(this.id()).then((m) => this.mesh.set(m), () => undefined);
    this.auth.config().then((c) => this.v1Enabled.set(c.v1InvitesEnabled), () => undefined);
  }

  protected setMode(mode: InviteMode): void {
    this.mode.set(mode);
    if (mode === 'email') this.legacyV1.set(false);
  }

  protected async submit(): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.errors.set({});
    const body: CreateInviteBody = {
      version: this.legacyV1() && this.mode() === 'link' ? 1 : 2,
      role: this.role(),
      maxUses: numberOrText(this.maxUses()),
      expiresInDays: numberOrText(this.expiresInDays()),
    };
    if (this.mode() === 'email') body.email = this.email().trim();
    try {
      const created = await this.api.create(this.id(), body);
      this.sentTo.set(this.mode() === 'email' ? (created.email ?? body.email ?? null) : null);
      this.result.set(created);
    } catch (err) {
      const fields = fieldErrors(err);
      this.errors.set(fields);
      if (fields['maxUses'] || fields['expiresInDays'] || fields['role']) this.advancedOpen.set(true);
    } finally {
      this.busy.set(false);
    }
  }

  protected another(): void {
    this.result.set(null);
    this.sentTo.set(null);
    this.email.set('');
  }
}
