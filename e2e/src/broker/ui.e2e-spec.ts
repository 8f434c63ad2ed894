import type { TestApp } from '../../../server/src/testing/test-app';
import { admitMembers, connectError, connectPeer, createMesh, http, rawSocket, signupOwner, startBroker, type Owner } from './harness';
import type { Socket } from 'socket.io-client';

function uiSocket(app: TestApp, opts: { token?: string; cookie?: string; origin?: string }): Socket {
  return rawSocket(app.baseUrl, opts.token ? { token: opts.token } : {}, '/ui', {
    extraHeaders: { ...(opts.cookie ? { cookie: opts.cookie } : {}), ...(opts.origin ? { origin: opts.origin } : {}) },
  });
}

const connected = (s: Socket) =>
  new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', (e: Error & { data?: unknown }) => reject(Object.assign(e, { data: e.data })));
  });

const call = (s: Socket, event: string, payload: unknown) => new Promise<any>((r) => s.emit(event, payload, r));

describe('/ui namespace (api.md §10, C-API-14 single-node parts, C-SEC-5 socket part)', () => {
  let app: TestApp;
  let owner: Owner;
  let meshId: string;

  beforeAll(async () => {
    app = await startBroker();
    owner = await signupOwner(app);
    meshId = await createMesh(app, owner);
  });
  afterAll(async () => app?.close());

  it('C-API-14: a cookie upgrade from a foreign Origin is refused; no credential → unauthenticated', async () => {
    expect(await connectError(app.baseUrl, {}, '/ui', { extraHeaders: { cookie: owner.cookie, origin: 'https://evil.example' } })).toMatchObject({ code: 'csrf_failed' });
    expect(await connectError(app.baseUrl, {}, '/ui')).toMatchObject({ code: 'unauthenticated' });
    expect(await connectError(app.baseUrl, { token: 'cmpat_nope' }, '/ui')).toMatchObject({ code: 'unauthenticated' });
  });

  it('C-API-14: subscribers get presence events; a non-member subscribe → not_found; PAT auth works', async () => {
    const s = uiSocket(app, { cookie: owner.cookie, origin: app.baseUrl });
    await connected(s);
    expect(await call(s, 'subscribe', { meshId })).toEqual({ ok: true });
    expect(await call(s, 'subscribe', { meshId: 'A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const events: any[] = [];
    s.on('presence', (e) => events.push(e));
    const [member] = await admitMembers(app, owner, meshId, 1);
    const t0 = Date.now();
    const p = await connectPeer(app.baseUrl, member);
    await new Promise((r) => setTimeout(r, 300));
    const joined = events.find((e) => e.kind === 'joined');
    expect(joined).toMatchObject({ meshId, kind: 'joined', peer: { memberId: member.memberId, self: false, sessionId: p.sessionId } });
    expect(Date.now() - t0).toBeLessThan(2000);
    await p.call('set_status', { status: 'working' });
    p.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(events.find((e) => e.kind === 'status')?.peer.status).toBe('working');
    expect(events.find((e) => e.kind === 'left')).toMatchObject({ meshId, kind: 'left', peer: { memberId: member.memberId, reason: 'closed' } });
    // PAT in the handshake auth, no Origin needed.
    const viaPat = uiSocket(app, { token: owner.token });
    await connected(viaPat);
    expect(await call(viaPat, 'subscribe', { meshId })).toEqual({ ok: true });
    expect(await call(viaPat, 'unsubscribe', { meshId })).toEqual({ ok: true });
    expect(await call(viaPat, 'subscribe', 'bad')).toMatchObject({ ok: false, error: { code: 'malformed' } });
    viaPat.disconnect();
    s.disconnect();
  });

  it('members_changed reaches subscribers after a member removal', async () => {
    const s = uiSocket(app, { token: owner.token });
    await connected(s);
    await call(s, 'subscribe', { meshId });
    const got = new Promise<any>((r) => s.once('members_changed', r));
    const [x] = await admitMembers(app, owner, meshId, 1, 'rm');
    expect((await http(app.baseUrl, 'DELETE', `/api/meshes/${meshId}/members/${x.memberId}`, { token: owner.token })).status).toBe(200);
    expect(await got).toEqual({ meshId });
    s.disconnect();
  });
});
