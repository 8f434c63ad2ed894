import { cryptoReady } from '@claudemesh/shared/crypto';
import { createTestApp, TestApp } from '../testing/test-app';
import { signupClient } from './testing/api-client';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    await cryptoReady();
    t = await createTestApp({ ALLOW_SIGNUP: 'true', TRUST_PROXY: 'true' });
  });
  afterAll(() => t?.close());
  it('signs up and creates a mesh', async () => {
    const { client } = await signupClient(t.baseUrl, { setupToken: t.setupToken });
    const me = await client.get('/api/auth/me');
    console.log(me.status, me.body);
    const m = await client.post('/api/meshes', { name: 'platform' });
    console.log(m.status, m.body);
    const l = await client.get('/api/meshes');
    console.log(l.status, JSON.stringify(l.body));
  });
});
