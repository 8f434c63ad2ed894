import { HttpClient, HttpContext } from '@angular/common/http';
import { Injectable, computed, inject, signal } from '@angular/core';
import type { AccountEnvelope, AccountResponse, MeResponse, PublicConfigResponse } from '@claudemesh/shared/dto';
import { firstValueFrom } from 'rxjs';

import { ApiError, SILENT_ERRORS } from './api-error';

export interface SignupInput {
  email: string;
  password: string;
  displayName: string;
  setupToken?: string;
}

/** The signed-in account (cookie session) and the instance's public config. */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly http = inject(HttpClient);
  /** undefined until the first /api/auth/me answered. */
  private readonly current = signal<AccountResponse | null | undefined>(undefined);
  private loading: Promise<AccountResponse | null> | null = null;

  readonly account = this.current.asReadonly();
  readonly signedIn = computed(() => !!this.current());
  readonly isAdmin = computed(() => !!this.current()?.isAdmin);

  /** Resolves the session once; later calls reuse the answer. */
  ensureLoaded(): Promise<AccountResponse | null> {
    const known = this.current();
    if (known !== undefined) return Promise.resolve(known);
    if (!this.loading) {
      this.loading = firstValueFrom(this.http.get<MeResponse>('/api/auth/me', { context: silent() }))
        .then((me) => me.account)
        .catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 401) return null;
          throw err;
        })
        .then((account) => {
          this.current.set(account);
          return account;
        })
        .finally(() => (this.loading = null));
    }
    return this.loading;
  }

  config(): Promise<PublicConfigResponse> {
    return firstValueFrom(this.http.get<PublicConfigResponse>('/api/public/config'));
  }

  async login(email: string, password: string): Promise<AccountResponse> {
    const res = await firstValueFrom(this.http.post<AccountEnvelope>('/api/auth/login', { email, password }));
    this.current.set(res.account);
    return res.account;
  }

  async signup(input: SignupInput): Promise<AccountResponse> {
    const res = await firstValueFrom(this.http.post<AccountEnvelope>('/api/auth/signup', input));
    this.current.set(res.account);
    return res.account;
  }

  async logout(): Promise<void> {
    try {
      await firstValueFrom(this.http.post<void>('/api/auth/logout', {}));
    } finally {
      this.current.set(null);
    }
  }

  /** Called when the server says the session is gone. */
  forget(): void {
    this.current.set(null);
  }
}

function silent(): HttpContext {
  return new HttpContext().set(SILENT_ERRORS, true);
}
