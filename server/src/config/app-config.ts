import * as path from 'node:path';

/** The validated configuration (operations.md §2). Built once at boot by loadConfig; injected with APP_CONFIG. */
export interface AppConfig {
  port: number;
  host: string;
  publicUrl: string;
  /** null means the embedded PostgreSQL; main.ts fills it in with the embedded URL before the app starts. */
  databaseUrl: string | null;
  dataDir: string;
  /** CLAUDEMESH_DATA_DIR was not set (./.claudemesh-data): the embedded cluster may be relocated when unreachable (D9). */
  dataDirIsDefault: boolean;
  /** 64 lowercase hex chars; null until main.ts reads or generates `<dataDir>/server-secret`. */
  serverSecret: string | null;
  redisUrl: string | null;
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: LogLevel;
  logFormat: 'json' | 'pretty';
  /** The value given to Express's `trust proxy` setting. */
  trustProxy: boolean | number | string[];
  allowSignup: boolean;
  allowV1Invites: boolean;
  apiDocs: boolean;
  metricsToken: string | null;
  messageTtlSeconds: number;
  maxMessageBytes: number;
  sendRateBurst: number;
  sendRatePerMin: number;
  claimLeaseSeconds: number;
  leaseGraceSeconds: number;
  hookFreshWindowSeconds: number;
  statusTtlSeconds: number;
  handshakeSkewSeconds: number;
  hookRateLimitPerMin: number;
  handshakeRatePerIpPerMin: number;
  handshakeRatePerPubkeyPerMin: number;
  claimRatePerIpPerMin: number;
  claimRatePerCodePerMin: number;
  maxConnectionsPerMesh: number;
  maxSessionsPerMember: number;
  maxMembersPerMesh: number;
  maxInflightPerSession: number;
  /** Resolved transport (invites.md §9): MAIL_TRANSPORT, else smtp/postmark by credential, else outbox. */
  mailTransport: 'outbox' | 'smtp' | 'postmark';
  mailSmtpUrl: string | null;
  postmarkToken: string | null;
  mailFrom: string;
  sessionTtlDays: number;
  sessionIdleDays: number;
  dbPoolSize: number;
  shutdownGraceSeconds: number;
  embeddedPgPort: number;
  gitSha: string | null;
  /**
   * Test knobs for background task periods (operations.md §6), not part of the public table:
   * TASK_PERIOD_SCALE multiplies every period (e.g. 0.1); TASK_PERIODS="audit-messages=200,presence-evict=500"
   * sets single periods in ms. A period never goes below 50 ms.
   */
  taskPeriodScale: number;
  taskPeriods: Record<string, number>;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A configuration error: its message is the one line printed before exit 1. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function int(env: Env, name: string, def: number, min: number, max: number, value = raw(env, name)): number {
  if (value === undefined) return def;
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`Invalid ${name}: must be an integer from ${min} to ${max}`);
  }
  return Number(value);
}

function bool(env: Env, name: string, def: boolean): boolean {
  const v = raw(env, name);
  if (v === undefined) return def;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(`Invalid ${name}: must be true or false`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], def: T): T {
  const v = raw(env, name);
  if (v === undefined) return def;
  if (!(allowed as readonly string[]).includes(v)) throw new ConfigError(`Invalid ${name}: must be one of ${allowed.join(', ')}`);
  return v as T;
}

function postgresUrl(env: Env): string | null {
  const v = raw(env, 'DATABASE_URL');
  if (v === undefined) return null;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError('Invalid DATABASE_URL: must be a postgres:// or postgresql:// URL');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new ConfigError('Invalid DATABASE_URL: must be a postgres:// or postgresql:// URL');
  }
  return v;
}

function redisUrl(env: Env): string | null {
  const v = raw(env, 'REDIS_URL');
  if (v === undefined) return null;
  try {
    const u = new URL(v);
    if (u.protocol === 'redis:' || u.protocol === 'rediss:') return v;
  } catch {
    /* falls through */
  }
  throw new ConfigError('Invalid REDIS_URL: must be a redis:// or rediss:// URL');
}

function publicUrl(env: Env, port: number): string {
  const v = raw(env, 'PUBLIC_URL');
  if (v === undefined) return `http://localhost:${port}`;
  const bad = () => new ConfigError('Invalid PUBLIC_URL: must be an absolute http(s) origin with no path, such as https://mesh.example.com');
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw bad();
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || u.hash) throw bad();
  const withoutSlash = v.endsWith('/') ? v.slice(0, -1) : v;
  if (u.pathname !== '/' || withoutSlash !== u.origin) throw bad();
  return u.origin;
}

const CIDR_OR_IP = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;
const PROXY_KEYWORDS = ['loopback', 'linklocal', 'uniquelocal'];

function trustProxy(env: Env): boolean | number | string[] {
  const v = raw(env, 'TRUST_PROXY');
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return int(env, 'TRUST_PROXY', 0, 0, 100);
  const items = v.split(',').map((s) => s.trim());
  if (items.length > 0 && items.every((s) => CIDR_OR_IP.test(s) || PROXY_KEYWORDS.includes(s))) return items;
  throw new ConfigError('Invalid TRUST_PROXY: must be false, true, a hop count, or a comma-separated list of CIDRs');
}

function serverSecret(env: Env): string | null {
  const v = raw(env, 'SERVER_SECRET');
  if (v === undefined) return null;
  if (!/^[0-9a-f]{64}$/.test(v)) throw new ConfigError('Invalid SERVER_SECRET: must be 64 lowercase hex chars (openssl rand -hex 32)');
  return v;
}

function mail(env: Env, pub: string) {
  const smtp = raw(env, 'MAIL_SMTP_URL') ?? null;
  const postmark = raw(env, 'POSTMARK_TOKEN') ?? null;
  const explicit = raw(env, 'MAIL_TRANSPORT');
  if (smtp !== null) {
    try {
      const u = new URL(smtp);
      if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error();
    } catch {
      throw new ConfigError('Invalid MAIL_SMTP_URL: must be an smtp:// or smtps:// URL');
    }
  }
  let transport: AppConfig['mailTransport'];
  if (explicit !== undefined) {
    transport = oneOf(env, 'MAIL_TRANSPORT', ['outbox', 'smtp', 'postmark'] as const, 'outbox');
    if (transport === 'smtp' && smtp === null) throw new ConfigError('Invalid MAIL_TRANSPORT: smtp needs MAIL_SMTP_URL');
    if (transport === 'postmark' && postmark === null) throw new ConfigError('Invalid MAIL_TRANSPORT: postmark needs POSTMARK_TOKEN');
  } else if (smtp !== null && postmark !== null) {
    throw new ConfigError('Invalid MAIL_TRANSPORT: MAIL_SMTP_URL and POSTMARK_TOKEN are both set; set MAIL_TRANSPORT to smtp or postmark');
  } else {
    transport = smtp !== null ? 'smtp' : postmark !== null ? 'postmark' : 'outbox';
  }
  const from = raw(env, 'MAIL_FROM') ?? `claudemesh <no-reply@${new URL(pub).hostname}>`;
  return { mailTransport: transport, mailSmtpUrl: smtp, postmarkToken: postmark, mailFrom: from };
}

function taskPeriods(env: Env): Record<string, number> {
  const v = raw(env, 'TASK_PERIODS');
  const out: Record<string, number> = {};
  if (v === undefined) return out;
  for (const item of v.split(',')) {
    const m = /^\s*([a-z-]+)=(\d+)\s*$/.exec(item);
    if (!m || Number(m[2]) < 1) throw new ConfigError('Invalid TASK_PERIODS: must be a list like audit-messages=200,presence-evict=500 (ms)');
    out[m[1]] = Number(m[2]);
  }
  return out;
}

function scale(env: Env): number {
  const v = raw(env, 'TASK_PERIOD_SCALE');
  if (v === undefined) return 1;
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0 || Number(v) > 100) {
    throw new ConfigError('Invalid TASK_PERIOD_SCALE: must be a number above 0 and at most 100');
  }
  return Number(v);
}

/** Parses the environment strictly (operations.md §2). Throws ConfigError with one line naming the variable. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): AppConfig {
  const portValue = raw(env, 'PORT') ?? raw(env, 'BROKER_PORT');
  const portName = raw(env, 'PORT') !== undefined ? 'PORT' : 'BROKER_PORT';
  const port = int(env, portName, 7900, 0, 65535, portValue);
  const pub = publicUrl(env, port);
  const secret = serverSecret(env);
  const redis = redisUrl(env);
  if (redis !== null && secret === null) {
    throw new ConfigError('Invalid REDIS_URL: several nodes need a shared SERVER_SECRET; set SERVER_SECRET (64 hex chars) on every node');
  }
  const day = 86400;
  return {
    port,
    host: raw(env, 'HOST') ?? '0.0.0.0',
    publicUrl: pub,
    databaseUrl: postgresUrl(env),
    dataDir: path.resolve(cwd, raw(env, 'CLAUDEMESH_DATA_DIR') ?? '.claudemesh-data'),
    dataDirIsDefault: raw(env, 'CLAUDEMESH_DATA_DIR') === undefined,
    serverSecret: secret,
    redisUrl: redis,
    nodeEnv: oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'production'),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: oneOf(env, 'LOG_FORMAT', ['json', 'pretty'] as const, 'json'),
    trustProxy: trustProxy(env),
    allowSignup: bool(env, 'ALLOW_SIGNUP', false),
    allowV1Invites: bool(env, 'ALLOW_V1_INVITES', true),
    apiDocs: bool(env, 'API_DOCS', true),
    metricsToken: raw(env, 'METRICS_TOKEN') ?? null,
    messageTtlSeconds: int(env, 'MESSAGE_TTL_SECONDS', 604800, 1, 365 * day),
    maxMessageBytes: int(env, 'MAX_MESSAGE_BYTES', 65536, 1024, 1048576),
    sendRateBurst: int(env, 'SEND_RATE_BURST', 200, 1, 1_000_000),
    sendRatePerMin: int(env, 'SEND_RATE_PER_MIN', 6000, 1, 100_000_000),
    claimLeaseSeconds: int(env, 'CLAIM_LEASE_SECONDS', 30, 1, 3600),
    leaseGraceSeconds: int(env, 'LEASE_GRACE_SECONDS', 90, 1, day),
    hookFreshWindowSeconds: int(env, 'HOOK_FRESH_WINDOW_SECONDS', 30, 1, 3600),
    statusTtlSeconds: int(env, 'STATUS_TTL_SECONDS', 60, 1, day),
    handshakeSkewSeconds: int(env, 'HANDSHAKE_SKEW_SECONDS', 60, 1, 3600),
    hookRateLimitPerMin: int(env, 'HOOK_RATE_LIMIT_PER_MIN', 60, 1, 1_000_000),
    handshakeRatePerIpPerMin: int(env, 'HANDSHAKE_RATE_PER_IP_PER_MIN', 60, 1, 100_000_000),
    handshakeRatePerPubkeyPerMin: int(env, 'HANDSHAKE_RATE_PER_PUBKEY_PER_MIN', 30, 1, 100_000_000),
    claimRatePerIpPerMin: int(env, 'CLAIM_RATE_PER_IP_PER_MIN', 20, 1, 100_000_000),
    claimRatePerCodePerMin: int(env, 'CLAIM_RATE_PER_CODE_PER_MIN', 30, 1, 100_000_000),
    maxConnectionsPerMesh: int(env, 'MAX_CONNECTIONS_PER_MESH', 10000, 1, 10_000_000),
    maxSessionsPerMember: int(env, 'MAX_SESSIONS_PER_MEMBER', 32, 1, 100_000),
    maxMembersPerMesh: int(env, 'MAX_MEMBERS_PER_MESH', 10000, 1, 10_000_000),
    maxInflightPerSession: int(env, 'MAX_INFLIGHT_PER_SESSION', 256, 1, 100_000),
    ...mail(env, pub),
    sessionTtlDays: int(env, 'SESSION_TTL_DAYS', 30, 1, 3650),
    sessionIdleDays: int(env, 'SESSION_IDLE_DAYS', 7, 1, 3650),
    dbPoolSize: int(env, 'DB_POOL_SIZE', 20, 1, 1000),
    shutdownGraceSeconds: int(env, 'SHUTDOWN_GRACE_SECONDS', 20, 1, 3600),
    embeddedPgPort: int(env, 'EMBEDDED_PG_PORT', 0, 0, 65535),
    gitSha: raw(env, 'GIT_SHA') ?? null,
    taskPeriodScale: scale(env),
    taskPeriods: taskPeriods(env),
  };
}

/** The configuration summary logged at startup: no secret, no credential (operations.md §5). */
export function configSummary(c: AppConfig): Record<string, unknown> {
  return {
    database: c.databaseUrl === null ? 'embedded' : 'external',
    redis: c.redisUrl === null ? 'disabled' : 'enabled',
    mailTransport: c.mailTransport,
    publicUrl: c.publicUrl,
    host: c.host,
    port: c.port,
    nodeEnv: c.nodeEnv,
    allowSignup: c.allowSignup,
    allowV1Invites: c.allowV1Invites,
    apiDocs: c.apiDocs,
    metricsAuth: c.metricsToken !== null,
    limits: {
      maxMessageBytes: c.maxMessageBytes,
      messageTtlSeconds: c.messageTtlSeconds,
      sendRateBurst: c.sendRateBurst,
      sendRatePerMin: c.sendRatePerMin,
      maxConnectionsPerMesh: c.maxConnectionsPerMesh,
      maxSessionsPerMember: c.maxSessionsPerMember,
      maxMembersPerMesh: c.maxMembersPerMesh,
      maxInflightPerSession: c.maxInflightPerSession,
    },
  };
}
