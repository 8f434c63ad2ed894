import * as net from 'node:net';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { guardPoolClients } from './data-source';

/** One backend message: type byte, int32 length (itself included), body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstring = (s: string) => Buffer.from(`${s}\0`, 'utf8');

/**
 * A PostgreSQL wire-protocol server that accepts the start-up, then sends "ready for query" and a FATAL error in
 * the same TCP write: what a client sees when the postmaster dies just as a new connection becomes ready.
 */
function readyThenFatalServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => {
      const authOk = message('R', Buffer.from([0, 0, 0, 0]));
      const ready = message('Z', Buffer.from('I', 'latin1'));
      const fatal = message(
        'E',
        Buffer.concat([
          Buffer.from('S', 'latin1'),
          cstring('FATAL'),
          Buffer.from('C', 'latin1'),
          cstring('57P01'),
          Buffer.from('M', 'latin1'),
          cstring('terminating connection due to unexpected postmaster exit'),
          Buffer.from([0]),
        ]),
      );
      socket.write(Buffer.concat([authOk, ready, fatal]));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}

describe('guardPoolClients', () => {
  it('a FATAL that arrives with "ready for query" reaches the guard instead of ending the process, and the pool drops the client', async () => {
    const backend = await readyThenFatalServer();
    const pool = new Pool({ host: '127.0.0.1', port: backend.port, user: 'u', database: 'd', max: 2 });
    pool.on('error', () => undefined);
    // A real TypeORM DataSource whose driver uses this pool, so the query runner takes its real path (obtainMasterConnection).
    const ds = new DataSource({ type: 'postgres', host: '127.0.0.1', port: backend.port });
    (ds.driver as unknown as { master: Pool }).master = pool;
    // Node would end the process on an 'error' event with no listener: record such events instead (jest cannot
    // survive one), so a missing guard fails this test rather than the run.
    const unhandled: string[] = [];
    pool.on('connect', (client) => {
      const emit = client.emit.bind(client);
      client.emit = ((event: string | symbol, ...args: unknown[]) => {
        if (event === 'error' && client.listenerCount('error') === 0) {
          unhandled.push((args[0] as Error).message);
          return false;
        }
        return emit(event, ...args);
      }) as typeof client.emit;
    });
    const seen: string[] = [];
    guardPoolClients(ds, (e) => seen.push(e.message));
    const runner = ds.createQueryRunner();
    try {
      // Without the guard, the error is emitted before TypeORM's listener is attached, as an uncaught exception.
      await runner.connect();
      expect(unhandled).toEqual([]);
      expect(seen).toEqual(['terminating connection due to unexpected postmaster exit']);
      await expect(runner.query('SELECT 1')).rejects.toThrow(/not queryable/);
      await runner.release();
      expect(pool.totalCount).toBe(0);
    } finally {
      // pool.end() waits for checked-out clients, so a failed expectation must still release the runner's.
      await runner.release().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await backend.close();
    }
  });
});
