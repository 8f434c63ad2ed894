import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { create } from 'qrcode';

/** One SVG path of the dark modules of `text`'s QR code; computed in the browser by the `qrcode` package. */
export function qrPath(text: string): { size: number; d: string } {
  const qr = create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const data = qr.modules.data;
  let d = '';
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (data[y * size + x]) d += `M${x} ${y}h1v1h-1z`;
    }
  }
  return { size, d };
}

/** A QR code drawn with Angular bindings only (no innerHTML, no canvas, no network). */
@Component({
  selector: 'cm-qr-code',
  template: `<svg
    role="img"
    [attr.aria-label]="'QR code for ' + text()"
    [attr.viewBox]="'-4 -4 ' + (qr().size + 8) + ' ' + (qr().size + 8)"
    [attr.width]="pixels()"
    [attr.height]="pixels()"
    shape-rendering="crispEdges"
  >
    <rect x="-4" y="-4" [attr.width]="qr().size + 8" [attr.height]="qr().size + 8" fill="#fff" />
    <path [attr.d]="qr().d" fill="#12152a" />
  </svg>`,
  styles: ':host { display: inline-block; line-height: 0; } svg { border-radius: 8px; border: 1px solid var(--c-border); }',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class QrCodeComponent {
  readonly text = input.required<string>();
  readonly pixels = input(176);
  protected readonly qr = computed(() => qrPath(this.text()));
}
