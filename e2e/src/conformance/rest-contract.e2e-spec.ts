/**
 * The REST contract as an independent integrator checks it (api.md, invites.md, security.md): one in-process server
 * (server/src/testing/test-app) on a fresh database, driven only over HTTP; the database is read to prove that refused
 * requests change nothing, and written only to build fixtures HTTP cannot make (an expired or tampered invite).
 * Crypto under test (claim proofs, canonical bytes, signatures, sealed keys) is done here with libsodium-wrappers.
 */
import { accountTests } from './rest-accounts';
import { bodyTests } from './rest-bodies';
import { claimTests } from './rest-claims';
import { conventionTests } from './rest-conventions';
import { inviteTests } from './rest-invites';
import { limitTests } from './rest-limits';
import { matrixTests } from './rest-matrix';
import { meshTests } from './rest-meshes';
import { openApiTests } from './rest-openapi';
import { paramTests } from './rest-params';
import { buildWorld, type World } from './rest-world';

let w: World;
const world = (): World => w;

beforeAll(async () => {
  w = await buildWorld();
}, 60_000);
afterAll(() => w?.close());

describe('OpenAPI document (C-API-13)', () => openApiTests(world));
describe('bad bodies on every body endpoint (C-API-1, C-API-2)', () => bodyTests(world));
describe('query and path parameters (api.md §1.1, §1.5)', () => paramTests(world));
describe('conventions across responses (api.md §1.1)', () => conventionTests(world));
describe('authz matrix (security.md §4, C-SEC-1)', () => matrixTests(world));
describe('invites: minting, resolution, landing data, expiry (invites.md)', () => inviteTests(world));
describe('invites: claim and join (invites.md §3.3, §4.3, §6)', () => claimTests(world));
describe('accounts, sessions and tokens (api.md §1.2, §1.3, §2)', () => accountTests(world));
describe('meshes and members (api.md §3, §4)', () => meshTests(world));
describe('rate limits and mesh_full, on a server of their own (security.md §5, invites.md §6.2)', () => limitTests());
