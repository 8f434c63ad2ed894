import { Command, InvalidArgumentError, Option } from 'commander';

export type BenchMode = 'direct' | 'broadcast' | 'raw';

export interface BenchArgs {
  peers: number;
  /** Peers are spread over this many meshes (peer i in mesh i % meshes); traffic stays inside each mesh. */
  meshes: number;
  messages: number;
  mode: BenchMode;
  /** Offered rate over all peers, messages per second; null = closed loop (each peer keeps `window` sends in flight). */
  rate: number | null;
  window: number;
  /** raw mode only: what raw peers do with each message (direct: one random peer, broadcast: every other peer). */
  rawPattern: 'direct' | 'broadcast';
  size: number;
  /** Seconds to wait for deliveries after the last send. */
  drainTimeout: number;
  /** Hard cap on the whole measured phase, seconds. */
  maxSeconds: number;
  json: boolean;
  /** Idle mode: connect the peers, hold them for this many seconds, send nothing (the 10 000 idle peers target). */
  idleSeconds: number;
  connectConcurrency: number;
  /** Start a private embedded PostgreSQL even when DATABASE_URL is set (the default without DATABASE_URL). */
  privatePg: boolean;
  /** Server processes sharing one database and a private Redis (operations.md §7); peer i uses node i mod N. */
  nodes: number;
  quiet: boolean;
}

const int = (name: string, min: number, max: number) => (v: string): number => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be an integer`);
  const n = Number(v);
  if (n < min || n > max) throw new InvalidArgumentError(`${name} must be from ${min} to ${max}`);
  return n;
};

export function parseArgs(argv: string[]): BenchArgs {
  const cmd = new Command('bench')
    .description('claudemesh capacity bench (operations.md §9): real peers, real server, real PostgreSQL, real crypto')
    .option('--peers <n>', 'connected peers', int('--peers', 2, 20000), 10)
    .option('--meshes <n>', 'spread the peers over this many meshes (traffic stays inside each mesh)', int('--meshes', 1, 1000), 1)
    .option('--messages <n>', 'messages sent by each peer', int('--messages', 0, 1_000_000), 10)
    .addOption(new Option('--mode <mode>', 'direct, broadcast or raw (bare Socket.IO relay, no DB, no crypto)').choices(['direct', 'broadcast', 'raw']).default('direct'))
    .addOption(new Option('--raw-pattern <p>', 'raw mode traffic pattern').choices(['direct', 'broadcast']).default('direct'))
    .option('--rate <r>', 'offered messages per second over all peers (default: closed loop)', int('--rate', 1, 1_000_000))
    .option('--window <n>', 'closed loop: sends in flight per peer', int('--window', 1, 256), 4)
    .option('--size <bytes>', 'plaintext size of each message', int('--size', 64, 60000), 200)
    .option('--drain-timeout <s>', 'seconds to wait for deliveries after the last send', int('--drain-timeout', 1, 3600), 60)
    .option('--max-seconds <s>', 'hard cap on the measured phase', int('--max-seconds', 5, 7200), 900)
    .option('--idle-seconds <s>', 'connect the peers, send nothing, hold them this long, report RSS', int('--idle-seconds', 0, 3600), 0)
    .option('--connect-concurrency <n>', 'handshakes in flight while connecting', int('--connect-concurrency', 1, 1000), 50)
    .option('--private-pg', 'use a private embedded PostgreSQL even when DATABASE_URL is set', false)
    .option('--nodes <n>', 'server processes (one broker on one database and a private Redis); peers spread over them', int('--nodes', 1, 8), 1)
    .option('--json', 'print only the JSON result', false)
    .option('--quiet', 'no progress lines on stderr', false)
    .exitOverride();
  cmd.parse(argv, { from: 'user' });
  const o = cmd.opts();
  if (o.meshes > o.peers / 2) throw new Error('--meshes must leave at least two peers per mesh');
  return {
    peers: o.peers,
    meshes: o.meshes,
    messages: o.messages,
    mode: o.mode,
    rate: o.rate ?? null,
    window: o.window,
    rawPattern: o.rawPattern,
    size: o.size,
    drainTimeout: o.drainTimeout,
    maxSeconds: o.maxSeconds,
    json: Boolean(o.json),
    idleSeconds: o.idleSeconds,
    connectConcurrency: o.connectConcurrency,
    privatePg: Boolean(o.privatePg),
    nodes: o.nodes,
    quiet: Boolean(o.quiet),
  };
}
