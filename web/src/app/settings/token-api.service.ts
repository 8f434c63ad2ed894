import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { CreatedTokenResponse, Page, TokenResponse } from '@claudemesh/shared/dto';
import { firstValueFrom } from 'rxjs';

/** Personal access tokens (api.md §2.1). */
@Injectable({ providedIn: 'root' })
export class TokenApiService {
  private readonly http = inject(HttpClient);

  list(): Promise<Page<TokenResponse>> {
    return firstValueFrom(this.http.get<Page<TokenResponse>>('/api/tokens', { params: new HttpParams().set('limit', 200) }));
  }

  create(name: string, expiresInDays: number | null): Promise<CreatedTokenResponse> {
    return firstValueFrom(this.http.post<CreatedTokenResponse>('/api/tokens', { name, expiresInDays }));
  }

  revoke(id: string): Promise<void> {
    return firstValueFrom(this.http.delete<void>(`/api/tokens/${encodeURIComponent(id)}`));
  }
}
