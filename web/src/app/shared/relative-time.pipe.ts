import { Pipe, PipeTransform } from '@angular/core';

/** "just now", "5 min ago", "3 h ago", "2 d ago"; null → "never". Pure: recomputed when the value changes. */
@Pipe({ name: 'relativeTime' })
export class RelativeTimePipe implements PipeTransform {
  transform(value: string | null | undefined): string {
    if (!value) return 'never';
    const s = Math.round((Date.now() - new Date(value).getTime()) / 1000);
    if (s < 45) return 'just now';
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} d ago`;
  }
}
