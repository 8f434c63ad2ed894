import { toBase64Url } from '@claudemesh/shared/crypto';
import { claimAll, codeFor, createMeshViaApi, mintV2Invites, signupFirstAccount, type ClaimJob } from '../../e2e/src/support/mesh-fixture';

export interface BenchMember {
  pubkey: string;
  secretKey: string;
  memberId: string;
  rootKeyEpoch: number;
  rootKey: string;
}

export interface BenchMesh {
  meshId: string;
  token: string;
  members: BenchMember[];
  claimSeconds: number;
}

/**
 * Creates everything through the real REST API (the shared e2e mesh fixture): the first account (with the setup token
 * the server printed), a PAT, `meshCount` meshes, v2 invites (at most 1 000 uses each), and one verified v2 claim per
 * peer. Peer i joins mesh i % meshCount.
 */
export async function createBenchMeshes(
  baseUrl: string,
  setupToken: string | null,
  peers: number,
  meshCount: number,
  log: (s: string) => void,
): Promise<{ meshes: BenchMesh[]; memberOf: number[]; members: BenchMember[] }> {
  const admin = await signupFirstAccount(baseUrl, [setupToken], {
    email: 'bench@example.com',
    password: 'bench-password-1234',
    displayName: 'Bench Admin',
    tokenName: 'bench',
    tokenExpiresInDays: 1,
  });
  const meshes: BenchMesh[] = [];
  const codes: string[][] = [];
  for (let k = 0; k < meshCount; k++) {
    const size = Math.floor(peers / meshCount) + (k < peers % meshCount ? 1 : 0);
    const mesh = await createMeshViaApi(admin.api, `bench ${k}`);
    codes.push(await mintV2Invites(admin.api, mesh.id, size, { expiresInDays: 1 }));
    meshes.push({ meshId: mesh.id, token: admin.token, members: [], claimSeconds: 0 });
  }
  const memberOf = Array.from({ length: peers }, (_, i) => i % meshCount);
  const jobs: ClaimJob[] = memberOf.map((k, i) => ({ code: codeFor(codes[k], Math.floor(i / meshCount)), displayName: `bench-${i}` }));
  const t0 = Date.now();
  let done = 0;
  const claimed = await claimAll(baseUrl, jobs, {
    concurrency: 16,
    onClaimed: () => {
      if (++done % 1000 === 0) log(`claimed ${done}/${peers}`);
    },
  });
  const members: BenchMember[] = claimed.map((c, i) => {
    const m = { pubkey: c.keys.publicKey, secretKey: c.keys.secretKey, memberId: c.memberId, rootKeyEpoch: c.rootKeyEpoch, rootKey: toBase64Url(c.rootKey) };
    meshes[memberOf[i]].members.push(m);
    return m;
  });
  const claimSeconds = (Date.now() - t0) / 1000;
  for (const m of meshes) m.claimSeconds = claimSeconds;
  return { meshes, memberOf, members };
}

/** Counts durable message rows of the meshes (the bench's check that every acked send was stored). */
export async function countMessages(databaseUrl: string, meshIds: string[]): Promise<number> {
  const { Client } = await import('pg');
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>('SELECT count(*)::text AS n FROM mesh.message WHERE mesh_id = ANY($1::varchar[])', [meshIds]);
    return Number(r.rows[0].n);
  } finally {
    await c.end();
  }
}
