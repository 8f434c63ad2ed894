import http from 'node:http';

/**
 * A tiny reverse proxy in front of the real server that changes one byte of `canonical_v2` in claim responses,
 * as a compromised server or a man in the middle would (C-INV-19).
 */
export async function startTamperProxy(target: string): Promise<{ url: string; tampered: () => number; close: () => Promise<void> }> {
  let tampered = 0;
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const headers = { ...req.headers, host: upstream.host };
      const up = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (ur) => {
        const body: Buffer[] = [];
        ur.on('data', (c) => body.push(c));
        ur.on('end', () => {
          let out = Buffer.concat(body);
          if (/\/claim$/.test(req.url ?? '') && ur.statusCode === 200) {
            const json = JSON.parse(out.toString('utf8'));
            const parts = String(json.canonical_v2).split('|');
            parts[3] = String(Number(parts[3]) + 1); // push the expiry by one second
            json.canonical_v2 = parts.join('|');
            out = Buffer.from(JSON.stringify(json));
            tampered++;
          }
          const h = { ...ur.headers, 'content-length': String(out.length) };
          delete h['transfer-encoding'];
          res.writeHead(ur.statusCode ?? 502, h);
          res.end(out);
        });
      });
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, tampered: () => tampered, close: () => new Promise((r) => server.close(() => r())) };
}
