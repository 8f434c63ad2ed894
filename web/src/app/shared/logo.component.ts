import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/** The claudemesh mark: three linked peers. Inline SVG, no external asset. */
@Component({
  selector: 'cm-logo',
  template: `<svg [attr.width]="size()" [attr.height]="size()" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
    <rect width="32" height="32" rx="8" fill="#3b3fd8" />
    <g fill="none" stroke="#fff" stroke-width="2.2" stroke-linecap="round"><path d="M10 11h12M10 11l6 10M22 11l-6 10" /></g>
    <g fill="#fff"><circle cx="10" cy="11" r="3" /><circle cx="22" cy="11" r="3" /><circle cx="16" cy="21" r="3" /></g>
  </svg>`,
  styles: ':host { display: inline-flex; }',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LogoComponent {
  readonly size = input(28);
}
