import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { AdminAccountResponse, MailOutboxListResponse, Page } from '@claudemesh/shared/dto';
import { firstValueFrom } from 'rxjs';

export interface NewAccountInput {
  email: string;
  displayName: string;
  password: string;
  isAdmin: boolean;
}

/** Instance administration (api.md §2.2) and the mail outbox (§7). */
@Injectable({ providedIn: 'root' })
export class AdminApiService {
  private readonly http = inject(HttpClient);

  accounts(q = ''): Promise<Page<AdminAccountResponse>> {
    let params = new HttpParams().set('limit', 200);
    if (q.trim()) params = params.set('q', q.trim());
    return firstValueFrom(this.http.get<Page<AdminAccountResponse>>('/api/admin/accounts', { params }));
  }

  createAccount(input: NewAccountInput): Promise<AdminAccountResponse> {
    return firstValueFrom(this.http.post<AdminAccountResponse>('/api/admin/accounts', input));
  }

  updateAccount(id: string, patch: { isAdmin?: boolean; disabled?: boolean }): Promise<AdminAccountResponse> {
    return firstValueFrom(this.http.patch<AdminAccountResponse>(`/api/admin/accounts/${encodeURIComponent(id)}`, patch));
  }

  outbox(): Promise<MailOutboxListResponse> {
    return firstValueFrom(this.http.get<MailOutboxListResponse>('/api/mail-outbox', { params: new HttpParams().set('limit', 50) }));
  }
}
