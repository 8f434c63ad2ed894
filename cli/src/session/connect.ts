import { cryptoReady } from '@claudemesh/shared/crypto';
import { saveRootKey, type MeshConfig } from '../config/meshes';
import type { IdentityFile } from '../config/identity';
import { CliError, EXIT } from '../errors';
import { warn } from '../output';
import { FATAL_CONNECT_CODES, PeerClient, PeerClientError, type DecryptedMessage, type PeerClientOptions } from '../sdk';
import { CLIENT_NAME } from '../version';
import { warnIfOutdated } from '../version-check';

/** A PeerClient error → one CLI line with its exit code. */
export function toCliError(e: unknown, mesh: MeshConfig): Error {
  if (!(e instanceof PeerClientError)) return e as Error;
  const where = `${mesh.name} at ${mesh.serverUrl}`;
  switch (e.code) {
    case 'unauthorized':
      return new CliError(EXIT.refused, `${where}: this identity is not (or no longer) a member of the mesh`);
    case 'terminated':
    case 'forbidden':
      return new CliError(EXIT.refused, `${where}: ${e.message}`, e.code);
    case 'mesh_not_found':
      return new CliError(EXIT.notFound, `${where}: the mesh no longer exists or was archived`);
    case 'unreachable':
      return new CliError(EXIT.unreachable, e.message);
    case 'unknown_recipient':
    case 'not_found':
      return new CliError(EXIT.notFound, `${where}: ${e.message}`);
    case 'malformed':
      return new CliError(EXIT.invalidArgs, `${where}: ${e.message}`);
    default:
      return new CliError(EXIT.failure, `${where}: ${e.message} (${e.code})`);
  }
}

export interface SessionOptions {
  passive?: boolean;
  sessionId?: string;
  reconnect?: boolean;
  maxConnectAttempts?: number;
  cwd?: string;
  pid?: number;
  onMessage?: (m: DecryptedMessage) => void | Promise<void>;
}

/** A PeerClient for a joined mesh; learned root keys are saved to meshes.json. */
export function createClient(mesh: MeshConfig, identity: IdentityFile, opts: SessionOptions): PeerClient {
  const clientOpts: PeerClientOptions = {
    serverUrl: mesh.serverUrl,
    meshId: mesh.meshId,
    identity: { pubkey: identity.pubkey, secretKey: identity.secretKey },
    sessionId: opts.sessionId,
    passive: opts.passive,
    rootKeys: mesh.rootKeys,
    reconnect: opts.reconnect,
    maxConnectAttempts: opts.maxConnectAttempts,
    onMessage: opts.onMessage,
    hello: { client: CLIENT_NAME, ...(opts.cwd ? { cwd: opts.cwd.slice(-512) } : {}), ...(opts.pid ? { pid: opts.pid } : {}) },
  };
  const client = new PeerClient(clientOpts);
  client.on('root_key', ({ epoch, key }) => {
    try {
      saveRootKey(mesh.meshId, epoch, key);
    } catch (e) {
      warn(`could not save the root key of epoch ${epoch}: ${(e as Error).message}`);
    }
  });
  client.on('warning', (w) => warn(`${mesh.name}: ${w}`));
  return client;
}

/**
 * Long-lived clients retry silently forever: say once (until the next welcome) why they are not connected yet.
 * Fatal codes are reported by the 'stopped' handler instead.
 */
export function warnFirstConnectFailure(client: PeerClient, meshName: string): void {
  let told = false;
  client.on('welcome', () => (told = false));
  client.on('connect_failed', (e) => {
    if (told || FATAL_CONNECT_CODES.has(e.code)) return;
    told = true;
    warn(`${meshName}: ${e.message}; retrying`);
  });
}

/** Opens a short-lived connection (passive by default) and gives up after 3 attempts. */
export async function withConnection<T>(
  mesh: MeshConfig,
  identity: IdentityFile,
  fn: (client: PeerClient) => Promise<T>,
  opts: SessionOptions = { passive: true },
): Promise<T> {
  await cryptoReady();
  const versionCheck = warnIfOutdated(mesh.serverUrl);
  const client = createClient(mesh, identity, { reconnect: false, maxConnectAttempts: 3, ...opts });
  try {
    await client.connect();
    return await fn(client);
  } catch (e) {
    throw toCliError(e, mesh);
  } finally {
    await client.close();
    await versionCheck;
  }
}
