import { Writable } from 'node:stream';
import { createRootLogger } from './logger';
import { redactPath } from '../common/request-id';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, stream };
}

describe('root logger (operations.md §5, security.md §3)', () => {
  it('writes JSON lines with ISO time, level label, msg and nodeId', () => {
    const { lines, stream } = capture();
    createRootLogger({ logLevel: 'info', logFormat: 'json' }, 'node-1', stream).info({ component: 'x' }, 'hello');
    expect(lines[0]).toEqual({ level: 'info', time: expect.any(String), nodeId: 'node-1', component: 'x', msg: 'hello' });
    expect(new Date(lines[0].time as string).toISOString()).toBe(lines[0].time);
  });

  it('redacts secret headers and fields at the first levels', () => {
    const { lines, stream } = capture();
    const log = createRootLogger({ logLevel: 'info', logFormat: 'json' }, 'n', stream);
    log.info(
      {
        req: { headers: { authorization: 'Bearer cmpat_secret', cookie: 'cm_session=abc', 'x-xsrf-token': 'xsrf' } },
        password: 'hunter2hunter2',
        dto: { token: 'cmpat_x', setupToken: 'setup', nonce: 'n0', ciphertext: 'c1', signature: 's', email: 'a@b.c' },
        nested: { deeper: { rootKey: 'rk', proof: 'p' } },
      },
      'request',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['cmpat_secret', 'cm_session=abc', 'xsrf"', 'hunter2', 'cmpat_x', '"setup"', '"n0"', '"c1"', '"s"', 'a@b.c', '"rk"', '"p"']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });

  it('redactPath replaces path segments longer than 64 chars by … and drops the query', () => {
    expect(redactPath(`/join/${'a'.repeat(65)}?x=1`)).toBe('/join/…');
    expect(redactPath(`/api/public/invites/${'b'.repeat(200)}`)).toBe('/api/public/invites/…');
    expect(redactPath(`/api/meshes/${'c'.repeat(32)}`)).toBe(`/api/meshes/${'c'.repeat(32)}`);
  });
});
