import { Injectable, signal } from '@angular/core';

export interface Notice {
  id: number;
  kind: 'error' | 'success' | 'info';
  text: string;
}

/** App-wide toasts. The API error interceptor posts server messages here verbatim. */
@Injectable({ providedIn: 'root' })
export class NotificationService {
  private readonly items = signal<Notice[]>([]);
  private nextId = 1;
  readonly notices = this.items.asReadonly();

  error(text: string): void {
    this.push('error', text, 8000);
  }

  success(text: string): void {
    this.push('success', text, 3500);
  }

  info(text: string): void {
    this.push('info', text, 4000);
  }

  dismiss(id: number): void {
    this.items.update((list) => list.filter((n) => n.id !== id));
  }

  private push(kind: Notice['kind'], text: string, ttlMs: number): void {
    const id = this.nextId++;
    // Collapse repeats of the same text so a burst of failures shows one toast.
    this.items.update((list) => [...list.filter((n) => n.text !== text).slice(-3), { id, kind, text }]);
    setTimeout(() => this.dismiss(id), ttlMs);
  }
}
