import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { createDataSource, EmbeddedPostgres, guardPoolClients, runMigrations, startEmbeddedPostgres } from '@claudemesh/database';
import { cryptoReady, generateUuid } from '@claudemesh/shared/crypto';
import { AppModule, AppRuntime } from '../app.module';
import { AppConfig, configSummary } from '../config/app-config';
import { checkMasterKey, MasterKeyMismatchError, prepareSetupToken } from '../crypto/instance-boot';
import { createRootLogger } from '../logging/logger';
import { configureHttp } from './http-setup';

/** A start failure; its message is the one line printed before exit 1 (operations.md §1). */
export class BootError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootError';
  }
}

export interface BootResult extends AppRuntime {
  embedded: EmbeddedPostgres | null;
  /** The first-time setup token while no account exists, else null. */
  setupToken: string | null;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** CLAUDEMESH_DATA_DIR, mode 0700 (0711 as root, so user postgres can reach pg/ without listing). */
export function ensureDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, isRoot() ? 0o711 : 0o700);
}

/** `<dataDir>/server-secret` (0600): 64 lowercase hex chars, made on first start, reused afterwards. */
export function readOrCreateServerSecret(dataDir: string): string {
  const file = path.join(dataDir, 'server-secret');
  ensureDataDir(dataDir);
  if (fs.existsSync(file)) {
    const value = fs.readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(value)) throw new BootError(`Invalid ${file}: must hold 64 lowercase hex chars; restore it or set SERVER_SECRET`);
    fs.chmodSync(file, 0o600);
    return value;
  }
  const secret = randomBytes(32).toString('hex');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  fs.chmodSync(file, 0o600);
  return secret;
}

function describeDb(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

async function openDatabase(config: AppConfig, url: string, embedded: boolean, log: Logger): Promise<DataSource> {
  const ds = createDataSource({ url, poolSize: config.dbPoolSize, applicationName: 'claudemesh' });
  try {
    await ds.initialize();
    guardPoolClients(ds, (e) => log.warn({ err: e.message }, 'database connection lost'));
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new BootError(
      embedded
        ? `Cannot connect to the embedded PostgreSQL: ${why}; set DATABASE_URL to use another PostgreSQL`
        : `Cannot connect to the database at ${describeDb(url)}: ${why}; check DATABASE_URL`,
    );
  }
  try {
    await runMigrations(ds);
  } catch (e) {
    await ds.destroy().catch(() => undefined);
    throw new BootError(`Database migrations failed: ${(e as Error).message.split('\n')[0]}`);
  }
  return ds;
}

/**
 * Everything before Nest (operations.md §1): libsodium, the database (embedded when DATABASE_URL is unset),
 * the master key (SERVER_SECRET or the data dir's server-secret), migrations under the lock, the key check,
 * and the setup token. Mutates `config` to hold the resolved databaseUrl and serverSecret.
 */
export async function bootRuntime(config: AppConfig, opts: { logger?: Logger } = {}): Promise<BootResult> {
  await cryptoReady();
  const nodeId = generateUuid();
  const logger = opts.logger ?? createRootLogger(config, nodeId);
  const log = logger.child({ component: 'boot' });
  log.info(configSummary(config), 'configuration');

  let embedded: EmbeddedPostgres | null = null;
  if (config.databaseUrl === null) {
    ensureDataDir(config.dataDir);
    const pgLog = logger.child({ component: 'embedded-postgres' });
    try {
      embedded = await startEmbeddedPostgres({
        dataDir: config.dataDir,
        port: config.embeddedPgPort,
        log: (line) => pgLog.debug(line),
        warn: (line) => pgLog.warn(line),
        relocateUnreachableCluster: config.dataDirIsDefault,
      });
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      throw new BootError(/DATABASE_URL/.test(msg) ? msg : `Embedded PostgreSQL cannot start: ${msg}; set DATABASE_URL to use an existing PostgreSQL`);
    }
    config.databaseUrl = embedded.url;
  }

  let dataSource: DataSource | null = null;
  try {
    if (config.serverSecret === null) config.serverSecret = readOrCreateServerSecret(config.dataDir);
    dataSource = await openDatabase(config, config.databaseUrl, embedded !== null, logger.child({ component: 'database' }));
    try {
      await checkMasterKey(dataSource, config.serverSecret);
    } catch (e) {
      if (e instanceof MasterKeyMismatchError) throw new BootError(e.message);
      throw e;
    }
    const setupToken = await prepareSetupToken(dataSource);
    return { config, dataSource, nodeId, logger, embedded, setupToken };
  } catch (e) {
    if (dataSource?.isInitialized) await dataSource.destroy().catch(() => undefined);
    if (embedded) await embedded.stop().catch(() => undefined);
    throw e;
  }
}

/** The Nest app on the prepared runtime, with the whole HTTP pipeline, initialised but not listening. */
export async function createApp(runtime: AppRuntime): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(runtime), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(PinoNestLogger));
  configureHttp(app, runtime);
  await app.init();
  return app;
}
