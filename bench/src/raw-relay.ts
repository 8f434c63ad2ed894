/**
 * The `raw` baseline (operations.md §9): a bare Socket.IO relay with no database and no crypto, with the same transport
 * settings as the real `/peer` namespace. Run as its own process so its RSS and CPU are measured like the server's.
 * Usage: tsx bench/src/raw-relay.ts [port]. Prints `raw relay ready at http://127.0.0.1:<port>`.
 */
import { createServer } from 'node:http';
import { Server, type Socket } from 'socket.io';

type Ack = (r: unknown) => void;
interface RawSend {
  clientId: string;
  to: string;
  ciphertext: string;
}

const port = Number(process.argv[2] ?? 0);
const http = createServer();
const io = new Server(http, {
  path: '/socket.io',
  transports: ['websocket'],
  pingInterval: 25000,
  pingTimeout: 20000,
  maxHttpBufferSize: 2 * 65536 + 65536,
  serveClient: false,
});
const peer = io.of('/peer');
let seq = 0;

peer.use((socket, next) => {
  const { peerId: id, group } = socket.handshake.auth as { peerId?: unknown; group?: unknown };
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) return next(new Error('malformed'));
  socket.data.peerId = id;
  socket.data.group = typeof group === 'number' ? group : 0;
  next();
});

peer.on('connection', (socket: Socket) => {
  const me = socket.data.peerId as string;
  const room = `g:${socket.data.group as number}`;
  socket.join([`p:${me}`, room]);
  socket.emit('welcome', { peerId: me, serverTime: Date.now() });
  socket.on('send', (m: RawSend, ack: Ack) => {
    if (typeof ack !== 'function') return;
    if (!m || typeof m.to !== 'string' || typeof m.ciphertext !== 'string') return ack({ ok: false, error: { code: 'malformed', message: 'bad send' } });
    seq += 1;
    const id = `m${seq}`;
    const msg = { id, seq, from: { memberId: me }, to: m.to, ciphertext: m.ciphertext, sentAt: new Date().toISOString(), attempt: 1 };
    if (m.to === '*') socket.to(room).emit('message', msg);
    else peer.to(`p:${m.to}`).emit('message', msg);
    ack({ ok: true, messageId: id, seq, recipients: m.to === '*' ? -1 : 1, duplicate: false });
  });
  socket.on('ack', (m: { messageIds?: unknown }, ack: Ack) => {
    if (typeof ack !== 'function') return;
    ack({ ok: true, acked: Array.isArray(m?.messageIds) ? m.messageIds.length : 0, ignored: 0 });
  });
});

http.listen(port, '127.0.0.1', () => {
  const addr = http.address();
  const p = typeof addr === 'object' && addr ? addr.port : port;
  process.stdout.write(`raw relay ready at http://127.0.0.1:${p}\n`);
});
const stop = () => io.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
