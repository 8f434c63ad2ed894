import { HttpClient, HttpContext } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { CreateInviteResponse, InviteLandingResponse, MeshResponse } from '@claudemesh/shared/dto';
import type { MemberRole } from '@claudemesh/shared/protocol';
import { firstValueFrom } from 'rxjs';

import { SILENT_ERRORS } from '../core/api-error';

/** The body the generator posts; numbers the user typed are passed on so the server's validation speaks (api.md §5). */
export interface CreateInviteBody {
  version: 1 | 2;
  role: MemberRole;
  maxUses: number | string;
  expiresInDays: number | string;
  email?: string;
}

@Injectable({ providedIn: 'root' })
export class InviteApiService {
  private readonly http = inject(HttpClient);

  mesh(meshId: string): Promise<MeshResponse> {
    return firstValueFrom(this.http.get<MeshResponse>(`/api/meshes/${encodeURIComponent(meshId)}`));
  }

  create(meshId: string, body: CreateInviteBody): Promise<CreateInviteResponse> {
    return firstValueFrom(this.http.post<CreateInviteResponse>(`/api/meshes/${encodeURIComponent(meshId)}/invites`, body));
  }

  /** The consent landing renders every error as its own state, so errors are not toasted. */
  landing(ref: string): Promise<InviteLandingResponse> {
    return firstValueFrom(
      this.http.get<InviteLandingResponse>(`/api/public/invites/${encodeURIComponent(ref)}`, {
        context: new HttpContext().set(SILENT_ERRORS, true),
      }),
    );
  }
}
