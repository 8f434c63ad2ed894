import { Writable } from 'node:stream';
import pino, { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';

/** Secret-bearing keys (security.md §3 item 4), at any of the first three depths. */
const SECRET_KEYS = [
  'authorization', 'cookie', 'set-cookie', 'x-xsrf-token', 'password', 'currentPassword', 'newPassword', 'passwordHash',
  'token', 'setupToken', 'sessionToken', 'csrfToken', 'hookToken', 'inviteCode', 'inviteToken', 'signature', 'nonce',
  'ciphertext', 'secretKey', 'ownerSecretKey', 'rootKey', 'sealedRootKey', 'proof', 'claimSecret', 'serverSecret',
  'masterKey', 'email',
];

export function redactPaths(): string[] {
  const out: string[] = [
    'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-xsrf-token"]', 'res.headers["set-cookie"]',
    'headers.authorization', 'headers.cookie', 'headers["x-xsrf-token"]', 'headers["set-cookie"]', 'req.body', 'res.body',
  ];
  for (const k of SECRET_KEYS) {
    const key = /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `["${k}"]`;
    out.push(key.startsWith('.') ? k : key, `*${key}`, `*.*${key}`);
  }
  return out;
}

/** A minimal human format for LOG_FORMAT=pretty (development only; pino-pretty is not a dependency). */
function prettyStream(): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const { time, level, msg, component, nodeId: _n, pid: _p, hostname: _h, ...rest } = JSON.parse(line);
          const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
          process.stdout.write(`${String(time).slice(11, 23)} ${String(level).toUpperCase().padEnd(5)} ${component ? `[${component}] ` : ''}${msg}${extra}\n`);
        } catch {
          process.stdout.write(`${line}\n`);
        }
      }
      cb();
    },
  });
}

/** The root pino logger: one JSON object per line on stdout with time (ISO), level (label), msg, nodeId, component. */
export function createRootLogger(config: Pick<AppConfig, 'logLevel' | 'logFormat'>, nodeId: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { nodeId },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: redactPaths(), censor: '[redacted]' },
  };
  if (destination) return pino(options, destination);
  return config.logFormat === 'pretty' ? pino(options, prettyStream()) : pino(options, pino.destination({ fd: 1, sync: true }));
}
