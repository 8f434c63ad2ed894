import { ChangeDetectionStrategy, Component, input } from '@angular/core';

import type { LandingProblem } from './invite-landing.component';

/** One picture per landing state, so expired, revoked, used up, archived and broken links look different at a glance. */
@Component({
  selector: 'cm-invite-state-icon',
  template: `<svg width="26" height="26" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
    @switch (state()) {
      @case ('expired') {
        <circle cx="12" cy="12" r="9" /><path d="M12 7v5l3 2" />
      }
      @case ('revoked') {
        <circle cx="12" cy="12" r="9" /><path d="M5.6 5.6l12.8 12.8" />
      }
      @case ('exhausted') {
        <path d="M3 7h18v3a2 2 0 0 0 0 4v3H3v-3a2 2 0 0 0 0-4z" /><path d="M14 7v2M14 11v2M14 15v2" />
      }
      @case ('mesh_archived') {
        <rect x="3" y="4" width="18" height="5" rx="1" /><path d="M5 9v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V9" /><path d="M10 13h4" />
      }
      @case ('invite_bad_signature') {
        <path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z" /><path d="M12 8v5" /><path d="M12 16.5v.01" />
      }
      @case ('invite_malformed') {
        <path d="M9 15l-2 2a3 3 0 0 1-4-4l3-3a3 3 0 0 1 4 0" /><path d="M15 9l2-2a3 3 0 0 1 4 4l-3 3a3 3 0 0 1-4 0" /><path d="M8 4v2M4 8h2M16 20v-2M20 16h-2" />
      }
      @case ('invite_not_found') {
        <circle cx="11" cy="11" r="7" /><path d="M20 20l-4-4" /><path d="M9.5 9a1.7 1.7 0 1 1 2.3 1.6c-.5.2-.8.6-.8 1.1v.3" /><path d="M11 14.5v.01" />
      }
      @default {
        <path d="M4 16a4 4 0 0 1 1-7.9A6 6 0 0 1 16.7 7 4.5 4.5 0 0 1 19 15.7" /><path d="M4 4l16 16" />
      }
    }
  </svg>`,
  styles: ':host { display: inline-flex; }',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class InviteStateIconComponent {
  readonly state = input.required<LandingProblem['key']>();
}
