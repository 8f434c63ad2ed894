import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { cryptoReady } from '@claudemesh/shared/crypto';
import { findOwnRunFile, readRunFile, recordRunMesh, resolveSession } from './run-files';
import { runHook } from '../hooks/hook';

describe('session identity and the hook command (protocol.md §10)', () => {
  let home: string;
  beforeAll(() => cryptoReady());
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-cli-run-'));
    process.env.CLAUDEMESH_HOME = home;
    delete process.env.CLAUDEMESH_SESSION_ID;
  });
  afterEach(() => {
    delete process.env.CLAUDEMESH_HOME;
    delete process.env.CLAUDEMESH_SESSION_ID;
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('C-SEC-11: the run file is 0600 and keeps the sessionId while the anchor is the same live process', () => {
    const anchor = process.ppid;
    const first = resolveSession(anchor);
    expect(first.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(fs.statSync(path.join(home, 'run', `${anchor}.json`)).mode & 0o777).toBe(0o600);
    recordRunMesh(anchor, first.sessionId, { meshId: 'M', serverUrl: 'http://x', hookToken: 'cmh1.a.b' });
    const second = resolveSession(anchor);
    expect(second.sessionId).toBe(first.sessionId);
    expect(readRunFile(anchor)!.meshes).toEqual([{ meshId: 'M', serverUrl: 'http://x', hookToken: 'cmh1.a.b' }]);
  });

  it('a run file whose anchor is not the same live process gets a new sessionId', () => {
    const anchor = process.ppid;
    const first = resolveSession(anchor);
    const file = path.join(home, 'run', `${anchor}.json`);
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), anchorStartTime: 'another process' }));
    expect(resolveSession(anchor).sessionId).not.toBe(first.sessionId);
  });

  it('CLAUDEMESH_SESSION_ID wins', () => {
    process.env.CLAUDEMESH_SESSION_ID = '0b6e2c36-5d2a-4c7e-9a55-4f1a2b3c4d5e';
    expect(resolveSession(process.ppid).sessionId).toBe('0b6e2c36-5d2a-4c7e-9a55-4f1a2b3c4d5e');
  });

  it('findOwnRunFile walks up the ancestors', () => {
    const run = resolveSession(process.ppid);
    expect(findOwnRunFile()?.sessionId).toBe(run.sessionId);
  });

  it('hook posts the status with the hook token to every mesh; --refresh skips within 20 s; exits silently without a run file', async () => {
    const calls: { auth?: string; body: string; url?: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls.push({ auth: req.headers.authorization, body, url: req.url });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, applied: true, status: 'working', source: 'hook', presenceId: 'p' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      await runHook('working', {});
      expect(calls).toHaveLength(0);
      const run = resolveSession(process.ppid);
      recordRunMesh(process.ppid, run.sessionId, { meshId: 'M1', serverUrl: url, hookToken: 'cmh1.one.mac' });
      recordRunMesh(process.ppid, run.sessionId, { meshId: 'M2', serverUrl: url, hookToken: 'cmh1.two.mac' });
      await runHook('working', {});
      expect(calls.map((c) => c.auth).sort()).toEqual(['Bearer cmh1.one.mac', 'Bearer cmh1.two.mac']);
      expect(calls.every((c) => c.url === '/hook/set-status')).toBe(true);
      expect(JSON.parse(calls[0].body)).toEqual({ status: 'working', sessionId: run.sessionId });
      await runHook('working', { refresh: true });
      expect(calls).toHaveLength(2);
      await runHook('idle', {});
      expect(calls).toHaveLength(4);
      await runHook('bogus', {});
      expect(calls).toHaveLength(4);
    } finally {
      server.close();
    }
  });

  it('hook gives up on an unresponsive server after 2 s', async () => {
    const sockets: import('node:net').Socket[] = [];
    const server = http.createServer(() => undefined);
    server.on('connection', (s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const run = resolveSession(process.ppid);
    recordRunMesh(process.ppid, run.sessionId, { meshId: 'M1', serverUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hookToken: 'cmh1.x.y' });
    const t0 = Date.now();
    await runHook('working', {});
    const took = Date.now() - t0;
    sockets.forEach((s) => s.destroy());
    server.close();
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(4000);
  });
});
