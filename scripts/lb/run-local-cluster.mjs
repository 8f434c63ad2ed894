#!/usr/bin/env node
// A local claudemesh cluster for development and demos (docs/deploy.md "Local cluster"):
// N server processes on loopback ports with the same DATABASE_URL, SERVER_SECRET, PUBLIC_URL and REDIS_URL,
// and Debian's HAProxy in front of them (scripts/lb/haproxy.cfg.template), round robin, WebSocket upgrades passed.
//
//   node scripts/lb/run-local-cluster.mjs [--nodes 3] [--port 7900] [--base-port 7901] [--redis redis://127.0.0.1:6379]
//                                         [--database-url postgres://…] [--dir .claudemesh-data/cluster] [--print-config]
//
// Without DATABASE_URL (flag or env) it starts one embedded PostgreSQL in <dir>/pg that all nodes share.
// SERVER_SECRET comes from the env, else from <dir>/server-secret (generated once, mode 0600).
// Ctrl-C (or SIGTERM) stops the nodes gracefully (operations.md §8), then the proxy and the embedded database.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const o = {
    nodes: 3,
    port: 7900,
    basePort: 7901,
    host: '127.0.0.1',
    redis: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    databaseUrl: process.env.DATABASE_URL || null,
    dir: path.join(root, '.claudemesh-data', 'cluster'),
    printConfig: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const val = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--nodes': o.nodes = Number(val()); break;
      case '--port': o.port = Number(val()); break;
      case '--base-port': o.basePort = Number(val()); break;
      case '--redis': o.redis = val(); break;
      case '--database-url': o.databaseUrl = val(); break;
      case '--dir': o.dir = path.resolve(val()); break;
      case '--print-config': o.printConfig = true; break;
      case '-h': case '--help':
        console.log(fs.readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
        process.exit(0);
      default:
        console.error(`unknown argument ${argv[i]}`);
        process.exit(3);
    }
  }
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 16) throw new Error('--nodes must be an integer from 1 to 16');
  return o;
}

/** The HAProxy config for these node ports (the same template the multi-node e2e tests use). */
export function renderHaproxyConfig({ bind, nodes, stats }) {
  const template = fs.readFileSync(path.join(root, 'scripts/lb/haproxy.cfg.template'), 'utf8');
  const servers = nodes.map((n) => `    server ${n.name} ${n.host}:${n.port} check`).join('\n');
  const statsBlock = stats ? `listen stats\n    bind ${stats}\n    stats enable\n    stats uri /\n    stats refresh 2s\n` : '';
  return template.replaceAll('{{BIND}}', bind).replaceAll('{{SERVERS}}', servers).replaceAll('{{STATS}}', statsBlock);
}

function serverSecret(dir) {
  if (process.env.SERVER_SECRET) return process.env.SERVER_SECRET;
  const file = path.join(dir, 'server-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const s = randomBytes(32).toString('hex');
  fs.writeFileSync(file, `${s}\n`, { mode: 0o600 });
  return s;
}

function prefixLines(stream, label, out) {
  let buf = '';
  stream.on('data', (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      out.write(`[${label}] ${buf.slice(0, i)}\n`);
      buf = buf.slice(i + 1);
    }
  });
}

async function waitReady(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(`${url}/health/ready`);
      if (r.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} not ready within ${ms} ms`);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const publicUrl = `http://${o.host}:${o.port}`;
  const nodes = Array.from({ length: o.nodes }, (_, i) => ({ name: `node${i + 1}`, host: o.host, port: o.basePort + i }));
  const cfg = renderHaproxyConfig({ bind: `${o.host}:${o.port}`, nodes, stats: `${o.host}:${o.basePort + o.nodes + 100}` });
  if (o.printConfig) {
    process.stdout.write(cfg);
    return;
  }
  if (spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('haproxy is not installed: run `apt-get install -y haproxy` (Debian) and try again');
  }
  if (!fs.existsSync(path.join(root, 'server/dist/main.js'))) {
    throw new Error('server/dist/main.js is missing: run `npm run build` first');
  }
  // As root the embedded PostgreSQL runs as user postgres, which must be able to traverse the dir (operations.md §3).
  const dirMode = process.getuid?.() === 0 ? 0o711 : 0o700;
  fs.mkdirSync(o.dir, { recursive: true, mode: dirMode });
  fs.chmodSync(o.dir, dirMode);
  if (process.getuid?.() === 0) fs.chmodSync(path.dirname(o.dir), fs.statSync(path.dirname(o.dir)).mode | 0o111);

  let embedded = null;
  let databaseUrl = o.databaseUrl;
  if (!databaseUrl) {
    const { startEmbeddedPostgres } = require(path.join(root, 'database/dist/embedded-postgres.js'));
    embedded = await startEmbeddedPostgres({ dataDir: o.dir, port: 0, log: () => undefined });
    databaseUrl = embedded.url;
    console.log(`[cluster] embedded PostgreSQL in ${o.dir}/pg`);
  }
  const shared = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    SERVER_SECRET: serverSecret(o.dir),
    PUBLIC_URL: publicUrl,
    REDIS_URL: o.redis,
    HOST: o.host,
    TRUST_PROXY: 'loopback',
    LOG_FORMAT: process.env.LOG_FORMAT || 'pretty',
  };

  const children = [];
  for (const n of nodes) {
    const child = spawn(process.execPath, [path.join(root, 'server/dist/main.js')], {
      cwd: root,
      env: { ...shared, PORT: String(n.port), CLAUDEMESH_DATA_DIR: path.join(o.dir, n.name) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prefixLines(child.stdout, n.name, process.stdout);
    prefixLines(child.stderr, n.name, process.stderr);
    child.on('exit', (code, sig) => console.log(`[cluster] ${n.name} exited (${sig ?? code})`));
    children.push(child);
  }
  await Promise.all(nodes.map((n) => waitReady(`http://${n.host}:${n.port}`, 120_000)));

  const cfgPath = path.join(o.dir, 'haproxy.cfg');
  fs.writeFileSync(cfgPath, cfg);
  const proxy = spawn('haproxy', ['-f', cfgPath, '-db'], { stdio: ['ignore', 'inherit', 'inherit'] });
  proxy.on('exit', (code, sig) => console.log(`[cluster] haproxy exited (${sig ?? code})`));
  await waitReady(publicUrl, 15_000);
  console.log(`[cluster] ${o.nodes} node(s) ready behind HAProxy at ${publicUrl} (stats: http://${o.host}:${o.basePort + o.nodes + 100}/)`);
  for (const n of nodes) console.log(`[cluster]   ${n.name}: http://${n.host}:${n.port}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('[cluster] stopping the nodes (SIGTERM, graceful)');
    await Promise.all(
      children.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => (c.once('exit', r), c.kill('SIGTERM'))))),
    );
    proxy.kill('SIGTERM');
    if (embedded) await embedded.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((e) => {
    console.error(`[cluster] ${e.message}`);
    process.exit(1);
  });
}
