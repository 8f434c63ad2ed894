import { toBase64Url } from '@claudemesh/shared/crypto';
import { createMeshWithMembers, signupFirstAccount } from '../../support/mesh-fixture';
import { RestClient } from '../../support/rest-client';

/** One mesh member as the tests hold it: identity, ids and the root key from the claim. */
export interface MeshMember {
  index: number;
  displayName: string;
  pubkey: string;
  secretKey: string;
  memberId: string;
  rootKeys: Record<string, string>;
}

export interface TestMesh {
  meshId: string;
  /** The admin's PAT (Bearer), for REST calls and /ui. */
  token: string;
  members: MeshMember[];
}

/** REST with a PAT or a cookie session; every request of the cluster suites times out after 15 s. */
export class Api extends RestClient {
  constructor(baseUrl: string) {
    super(baseUrl, { timeoutMs: 15_000 });
  }
}

/** The first account and a PAT, returned as an Api that uses the PAT (tries each node's printed setup token). */
export async function createAdmin(baseUrl: string, setupTokens: string[], email = 'admin@example.com'): Promise<Api> {
  const admin = await signupFirstAccount(baseUrl, setupTokens, {
    email,
    password: 'multinode-password-1',
    displayName: 'Multi Node',
    tokenName: 'multinode',
    tokenExpiresInDays: 1,
    client: { timeoutMs: 15_000 },
  });
  return admin.api as Api;
}

/** A mesh with `count` members, each joined through a real v2 claim (invites.md) with its own identity. */
export async function createMesh(api: RestClient, count: number, name = 'multinode'): Promise<TestMesh> {
  const { mesh, members } = await createMeshWithMembers(api, count, { name, expiresInDays: 1, client: { timeoutMs: 15_000 } });
  return {
    meshId: mesh.id,
    token: api.bearer ?? '',
    members: members.map((m, index) => ({
      index,
      displayName: m.displayName,
      pubkey: m.keys.publicKey,
      secretKey: m.keys.secretKey,
      memberId: m.memberId,
      rootKeys: { [String(m.rootKeyEpoch)]: toBase64Url(m.rootKey) },
    })),
  };
}
