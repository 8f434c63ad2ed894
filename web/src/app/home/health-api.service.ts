import { HttpClient, HttpContext } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';

import { ApiError, SILENT_ERRORS } from '../core/api-error';

/** The body of GET /health/ready (operations.md §4): 200 ready, 503 not_ready with reasons. */
export interface ReadinessReport {
  status: 'ready' | 'not_ready' | 'unreachable';
  reasons?: string[];
  version?: string;
  gitSha?: string;
  nodeId?: string;
  [key: string]: unknown;
}

@Injectable({ providedIn: 'root' })
export class HealthApiService {
  private readonly http = inject(HttpClient);

  async readiness(): Promise<ReadinessReport> {
    const context = new HttpContext().set(SILENT_ERRORS, true);
    try {
      return await firstValueFrom(this.http.get<ReadinessReport>('/health/ready', { context }));
    } catch (err) {
      // A 503 still carries the report; anything else means the server could not be asked.
      if (err instanceof ApiError && err.status === 503 && err.body && typeof err.body === 'object') {
        return { ...(err.body as ReadinessReport), status: 'not_ready' };
      }
      return { status: 'unreachable', reasons: [err instanceof Error ? err.message : String(err)] };
    }
  }
}
