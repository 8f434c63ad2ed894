import { DatePipe, formatDate } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injector,
  LOCALE_ID,
  afterNextRender,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import type { InviteLandingResponse } from '@claudemesh/shared/dto';
import {
  CONSENT_SENTENCES,
  INVITE_LANDING_STATE_TEXTS,
  ROLE_CAPABILITY_SENTENCES,
  ROLE_LABELS,
} from '@claudemesh/shared/dto/invite/invite-capabilities';

import { ApiError } from '../core/api-error';
import { CopyButtonComponent } from '../shared/copy-button.component';
import { LogoComponent } from '../shared/logo.component';
import { InviteApiService } from './invite-api.service';
import { InviteStateIconComponent } from './invite-state-icon.component';

export type LandingStateKey = keyof typeof INVITE_LANDING_STATE_TEXTS;

/** A state the page can show instead of the invite: its title, body and detail line (invites.md §8.1). */
export interface LandingProblem {
  key: LandingStateKey | 'unavailable';
  title: string;
  body: string;
  detail: string;
}

const DATE_FORMAT = 'MMM d, y, h:mm a';

const BODIES: Record<LandingStateKey, string> = {
  expired: 'Invites only work for a limited time, and this one ran out.',
  revoked: 'The person who created this invite withdrew it, so it can no longer be used.',
  exhausted: 'This invite allowed a fixed number of joins, and all of them have been used.',
  mesh_archived: 'The mesh this invite belongs to was archived and no longer accepts members.',
  invite_malformed: 'The link seems to be cut off or changed, so it cannot be read.',
  invite_bad_signature: 'The invite does not carry a valid signature from the mesh owner, so it may have been altered.',
  invite_not_found: 'This server knows no invite for this link.',
};
const ASK = 'Ask the person who sent it to you for a new invite.';

/** Fills "{expiresAt}"-style placeholders of the contract texts. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');
}

/** The problem state for a landing answer or error; null when the invite is valid. */
export function landingProblem(data: InviteLandingResponse | null, err: unknown, locale = 'en-US'): LandingProblem | null {
  let key: LandingStateKey | null = null;
  if (data && data.status !== 'valid') key = data.status;
  if (!data && err instanceof ApiError && err.code in INVITE_LANDING_STATE_TEXTS) key = err.code as LandingStateKey;
  if (!data && !key) {
    const message = err instanceof Error ? err.message : 'Cannot reach the server';
    return { key: 'unavailable', title: 'This invite cannot be shown right now', body: message, detail: 'Try again in a moment.' };
  }
  if (!key) return null;
  const texts = INVITE_LANDING_STATE_TEXTS[key];
  const values: Record<string, string> = {
    expiresAt: data ? formatDate(data.expiresAt, DATE_FORMAT, locale) : '',
    revokedAt: data?.revokedAt ? formatDate(data.revokedAt, DATE_FORMAT, locale) : '',
    maxUses: data ? String(data.maxUses) : '',
    mesh: data?.mesh.name ?? '',
  };
  // The detail lines are the contract's own words (invites.md §8), for every count, so clients and tests can rely on them.
  return { key, title: texts.title, body: `${BODIES[key]} ${ASK}`, detail: fill(texts.detail, values) };
}

/** Splits "… `claudemesh leave <mesh>`" into text and code parts, so code renders as <code> without innerHTML. */
export function codeSegments(sentence: string): { text: string; code: boolean }[] {
  return sentence.split('`').map((text, i) => ({ text, code: i % 2 === 1 }));
}

@Component({
  selector: 'cm-invite-landing',
  imports: [DatePipe, CopyButtonComponent, LogoComponent, InviteStateIconComponent],
  templateUrl: './invite-landing.component.html',
  styleUrl: './invite-landing.component.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class InviteLandingComponent {
  /** The token or code from /join/:ref. */
  readonly ref = input.required<string>();
  private readonly api = inject(InviteApiService);
  private readonly locale = inject(LOCALE_ID);
  private readonly injector = inject(Injector);
  protected readonly loading = signal(true);
  protected readonly data = signal<InviteLandingResponse | null>(null);
  protected readonly error = signal<unknown>(null);
  protected readonly revealed = signal(false);
  protected readonly problem = computed(() => (this.loading() ? null : landingProblem(this.data(), this.error(), this.locale)));
  protected readonly roleLabel = computed(() => ROLE_LABELS[this.data()?.role ?? 'member']);
  protected readonly capabilities = computed(() => (this.data()?.roleCapabilities ?? []).map((k) => ROLE_CAPABILITY_SENTENCES[k]));
  protected readonly consent = computed(() => (this.data()?.consent ?? []).map((k) => codeSegments(CONSENT_SENTENCES[k])));
  protected readonly dateFormat = DATE_FORMAT;
  private readonly revealTitle = viewChild<ElementRef<HTMLElement>>('revealTitle');

  constructor() {
    effect(() => {
      const ref = this.ref();
      untracked(() => void this.load(ref));
    });
  }

  /** Shows the command and moves focus to it, so keyboard and screen-reader users land on what appeared. */
  protected reveal(): void {
    this.revealed.set(true);
    afterNextRender(() => this.revealTitle()?.nativeElement.focus(), { injector: this.injector });
  }

  protected async load(ref = this.ref()): Promise<void> {
    this.loading.set(true);
    this.revealed.set(false);
    this.error.set(null);
    this.data.set(null);
    try {
      this.data.set(await this.api.landing(ref));
    } catch (err) {
      this.error.set(err);
    } finally {
      this.loading.set(false);
    }
  }
}

