import { generateUuid, sealDirect, openDirect } from '@claudemesh/shared/crypto';
import type { TestApp } from '../../../server/src/testing/test-app';
import { connectPeer, startBrokerWithMesh, type Member } from './harness';

describe('broker smoke', () => {
  let app: TestApp;
  let members: Member[];
  beforeAll(async () => {
    ({ app, members } = await startBrokerWithMesh(2));
  });
  afterAll(async () => app?.close());

  it('C-PROTO-3 connects, welcome first, direct message delivered', async () => {
    const a = await connectPeer(app.baseUrl, members[0]);
    const b = await connectPeer(app.baseUrl, members[1]);
    expect(a.events[0].event).toBe('welcome');
    const env = sealDirect({ v: 1, text: 'hello' }, members[1].keys.publicKey, members[0].keys.secretKey);
    const ack = await a.call('send', { clientId: generateUuid(), to: members[1].keys.publicKey, nonce: env.nonce, ciphertext: env.ciphertext });
    expect(ack).toMatchObject({ ok: true, recipients: 1, duplicate: false });
    const msg = await b.next('message');
    expect(openDirect(msg, members[0].keys.publicKey, members[1].keys.secretKey)?.text).toBe('hello');
    expect(await b.call('ack', { messageIds: [msg.id] })).toEqual({ ok: true, acked: 1, ignored: 0 });
    a.close();
    b.close();
  });
});
