import { ChangeDetectionStrategy, Component, input, signal } from '@angular/core';

/** Copies `text` to the clipboard and says so for a moment (announced to screen readers). */
@Component({
  selector: 'cm-copy-button',
  template: `<button type="button" class="btn btn-small" [class]="variant()" (click)="copy()" [attr.aria-label]="label() + (copied() ? ' (copied)' : '')">
      {{ copied() ? 'Copied' : 'Copy' }}
    </button>
    <span class="visually-hidden" aria-live="polite">{{ copied() ? 'Copied to clipboard' : '' }}</span>`,
  styles: ':host { display: inline-flex; flex: none; } button { min-width: 72px; }',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CopyButtonComponent {
  readonly text = input.required<string>();
  readonly label = input('Copy');
  readonly variant = input('btn-secondary');
  protected readonly copied = signal(false);
  private timer: ReturnType<typeof setTimeout> | undefined;

  protected async copy(): Promise<void> {
    const ok = await copyText(this.text());
    if (!ok) return;
    this.copied.set(true);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.copied.set(false), 1800);
  }
}

/** Clipboard API when available (secure contexts), else a hidden textarea and execCommand for plain-http installs. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the legacy path
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}
