import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  InviteListResponse,
  InviteResponse,
  MemberResponse,
  MeshListItem,
  MeshResponse,
  Page,
  RemovedMemberResponse,
  RotateRootKeyResponse,
} from '@claudemesh/shared/dto';
import type { AuditListResponse, AuditVerifyResponse } from '@claudemesh/shared/protocol';
import { firstValueFrom } from 'rxjs';

/** Typed calls of api.md §3–§6 for the meshes feature. */
@Injectable({ providedIn: 'root' })
export class MeshApiService {
  private readonly http = inject(HttpClient);

  list(archived: boolean, q = ''): Promise<Page<MeshListItem>> {
    let params = new HttpParams().set('limit', 200).set('archived', archived);
    if (q.trim()) params = params.set('q', q.trim());
    return firstValueFrom(this.http.get<Page<MeshListItem>>('/api/meshes', { params }));
  }

  create(name: string): Promise<MeshResponse> {
    return firstValueFrom(this.http.post<MeshResponse>('/api/meshes', { name }));
  }

  get(id: string): Promise<MeshResponse> {
    return firstValueFrom(this.http.get<MeshResponse>(`/api/meshes/${enc(id)}`));
  }

  rename(id: string, name: string): Promise<MeshResponse> {
    return firstValueFrom(this.http.patch<MeshResponse>(`/api/meshes/${enc(id)}`, { name }));
  }

  archive(id: string): Promise<MeshResponse> {
    return firstValueFrom(this.http.post<MeshResponse>(`/api/meshes/${enc(id)}/archive`, {}));
  }

  transfer(id: string, email: string): Promise<MeshResponse> {
    return firstValueFrom(this.http.post<MeshResponse>(`/api/meshes/${enc(id)}/transfer`, { email }));
  }

  rotateRootKey(id: string): Promise<RotateRootKeyResponse> {
    return firstValueFrom(this.http.post<RotateRootKeyResponse>(`/api/meshes/${enc(id)}/rotate-root-key`, {}));
  }

  members(id: string): Promise<Page<MemberResponse>> {
    const params = new HttpParams().set('limit', 200);
    return firstValueFrom(this.http.get<Page<MemberResponse>>(`/api/meshes/${enc(id)}/members`, { params }));
  }

  setMemberRole(id: string, memberId: string, role: 'admin' | 'member'): Promise<MemberResponse> {
    return firstValueFrom(this.http.patch<MemberResponse>(`/api/meshes/${enc(id)}/members/${enc(memberId)}`, { role }));
  }

  /** Links a member to the account with this email, or unlinks it with null (api.md §4). */
  linkMember(id: string, memberId: string, linkEmail: string | null): Promise<MemberResponse> {
    return firstValueFrom(this.http.patch<MemberResponse>(`/api/meshes/${enc(id)}/members/${enc(memberId)}`, { linkEmail }));
  }

  removeMember(id: string, memberId: string): Promise<RemovedMemberResponse> {
    return firstValueFrom(this.http.delete<RemovedMemberResponse>(`/api/meshes/${enc(id)}/members/${enc(memberId)}`));
  }

  invites(id: string): Promise<InviteListResponse> {
    const params = new HttpParams().set('limit', 200);
    return firstValueFrom(this.http.get<InviteListResponse>(`/api/meshes/${enc(id)}/invites`, { params }));
  }

  revokeInvite(id: string, inviteId: string): Promise<InviteResponse> {
    return firstValueFrom(this.http.delete<InviteResponse>(`/api/meshes/${enc(id)}/invites/${enc(inviteId)}`));
  }

  audit(id: string, before?: number | null): Promise<AuditListResponse> {
    let params = new HttpParams().set('limit', 25);
    if (before) params = params.set('before', before);
    return firstValueFrom(this.http.get<AuditListResponse>(`/api/meshes/${enc(id)}/audit`, { params }));
  }

  verifyAudit(id: string): Promise<AuditVerifyResponse> {
    return firstValueFrom(this.http.get<AuditVerifyResponse>(`/api/meshes/${enc(id)}/audit/verify`));
  }
}

const enc = encodeURIComponent;
