import { ConfigError, loadConfig } from './app-config';

const load = (env: Record<string, string>) => loadConfig(env, '/srv');
const errorOf = (env: Record<string, string>): string => {
  try {
    load(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};
const SECRET = 'a'.repeat(64);

describe('loadConfig (operations.md §2)', () => {
  it('applies the defaults', () => {
    const c = load({});
    expect(c).toMatchObject({
      port: 7900,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:7900',
      databaseUrl: null,
      dataDir: '/srv/.claudemesh-data',
      serverSecret: null,
      redisUrl: null,
      nodeEnv: 'production',
      logLevel: 'info',
      logFormat: 'json',
      trustProxy: false,
      allowSignup: false,
      allowV1Invites: true,
      apiDocs: true,
      metricsToken: null,
      messageTtlSeconds: 604800,
      maxMessageBytes: 65536,
      sendRateBurst: 200,
      sendRatePerMin: 6000,
      claimLeaseSeconds: 30,
      leaseGraceSeconds: 90,
      hookFreshWindowSeconds: 30,
      statusTtlSeconds: 60,
      handshakeSkewSeconds: 60,
      hookRateLimitPerMin: 60,
      handshakeRatePerIpPerMin: 60,
      handshakeRatePerPubkeyPerMin: 30,
      claimRatePerIpPerMin: 20,
      claimRatePerCodePerMin: 30,
      maxConnectionsPerMesh: 10000,
      maxSessionsPerMember: 32,
      maxMembersPerMesh: 10000,
      maxInflightPerSession: 256,
      mailTransport: 'outbox',
      mailFrom: 'claudemesh <no-reply@localhost>',
      sessionTtlDays: 30,
      sessionIdleDays: 7,
      dbPoolSize: 20,
      shutdownGraceSeconds: 20,
      embeddedPgPort: 0,
      gitSha: null,
      taskPeriodScale: 1,
      taskPeriods: {},
    });
  });

  it('C-OPS-5: MAX_MESSAGE_BYTES=abc fails with one line naming the variable and the rule', () => {
    expect(errorOf({ MAX_MESSAGE_BYTES: 'abc' })).toBe('Invalid MAX_MESSAGE_BYTES: must be an integer from 1024 to 1048576');
    expect(errorOf({ MAX_MESSAGE_BYTES: '1023' })).toContain('MAX_MESSAGE_BYTES');
    expect(errorOf({ MAX_MESSAGE_BYTES: '1.5e3' })).toContain('MAX_MESSAGE_BYTES');
    expect(load({ MAX_MESSAGE_BYTES: '1024' }).maxMessageBytes).toBe(1024);
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', '12ab'],
    ['SHUTDOWN_GRACE_SECONDS', '0'],
    ['DB_POOL_SIZE', ' -1'],
    ['ALLOW_SIGNUP', 'yes'],
    ['NODE_ENV', 'staging'],
    ['LOG_FORMAT', 'xml'],
    ['SERVER_SECRET', 'A'.repeat(64)],
    ['DATABASE_URL', 'mysql://x/y'],
    ['REDIS_URL', 'http://x'],
    ['TRUST_PROXY', 'maybe'],
    ['TASK_PERIODS', 'audit-messages=fast'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(errorOf({ [name]: value })).toMatch(new RegExp(`^Invalid ${name}: `));
  });

  it('PORT wins over its alias BROKER_PORT, which is accepted alone', () => {
    expect(load({ BROKER_PORT: '8000' }).port).toBe(8000);
    expect(load({ BROKER_PORT: '8000', PORT: '9000' }).port).toBe(9000);
    expect(load({ BROKER_PORT: '8000' }).publicUrl).toBe('http://localhost:8000');
  });

  it('PUBLIC_URL must be an absolute http(s) origin with no path', () => {
    expect(load({ PUBLIC_URL: 'https://mesh.example.com/' }).publicUrl).toBe('https://mesh.example.com');
    expect(load({ PUBLIC_URL: 'https://mesh.example.com:8443' }).publicUrl).toBe('https://mesh.example.com:8443');
    for (const bad of ['mesh.example.com', 'ftp://x.com', 'https://x.com/app', 'https://x.com?q=1', 'https://u:p@x.com']) {
      expect(errorOf({ PUBLIC_URL: bad })).toMatch(/^Invalid PUBLIC_URL: /);
    }
    expect(load({ PUBLIC_URL: 'https://mesh.example.com' }).mailFrom).toBe('claudemesh <no-reply@mesh.example.com>');
  });

  it('cross-checks: REDIS_URL needs SERVER_SECRET', () => {
    expect(errorOf({ REDIS_URL: 'redis://127.0.0.1:6379' })).toMatch(/^Invalid REDIS_URL: .*SERVER_SECRET/);
    expect(load({ REDIS_URL: 'redis://127.0.0.1:6379', SERVER_SECRET: SECRET }).redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('cross-checks: mail transport selection', () => {
    expect(load({ MAIL_SMTP_URL: 'smtp://localhost:25' }).mailTransport).toBe('smtp');
    expect(load({ POSTMARK_TOKEN: 'pm' }).mailTransport).toBe('postmark');
    expect(errorOf({ MAIL_SMTP_URL: 'smtp://localhost:25', POSTMARK_TOKEN: 'pm' })).toMatch(/^Invalid MAIL_TRANSPORT: /);
    expect(load({ MAIL_SMTP_URL: 'smtp://localhost:25', POSTMARK_TOKEN: 'pm', MAIL_TRANSPORT: 'postmark' }).mailTransport).toBe('postmark');
    expect(errorOf({ MAIL_TRANSPORT: 'smtp' })).toMatch(/^Invalid MAIL_TRANSPORT: smtp needs MAIL_SMTP_URL/);
    expect(errorOf({ MAIL_TRANSPORT: 'postmark' })).toMatch(/^Invalid MAIL_TRANSPORT: postmark needs POSTMARK_TOKEN/);
    expect(load({ MAIL_TRANSPORT: 'outbox', MAIL_SMTP_URL: 'smtp://h' }).mailTransport).toBe('outbox');
  });

  it('TRUST_PROXY: false, true, hop count, CIDR list', () => {
    expect(load({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(load({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(load({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.1' }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.1']);
  });

  it('task period knobs for tests', () => {
    const c = load({ TASK_PERIOD_SCALE: '0.1', TASK_PERIODS: 'audit-messages=200,presence-evict=500' });
    expect(c.taskPeriodScale).toBe(0.1);
    expect(c.taskPeriods).toEqual({ 'audit-messages': 200, 'presence-evict': 500 });
  });
});
