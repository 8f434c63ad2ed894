import * as fs from 'node:fs';
import * as path from 'node:path';
import { static as serveStatic } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { setRouteLabel } from '../logging/http-observer';

/** Paths the SPA never answers (api.md §9): they belong to the API, sockets, probes, invites, hooks and the CLI. */
const EXCLUDED = ['/api', '/socket.io', '/health', '/metrics', '/i', '/hook', '/invites', '/cli'];

export function isSpaExcluded(p: string): boolean {
  return EXCLUDED.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
}

/** The Angular build output (web/dist/browser), or null when the SPA has not been built. */
export function findSpaRoot(repoRoot: string): string | null {
  for (const dir of [path.join(repoRoot, 'web/dist/browser'), path.join(repoRoot, 'web/dist')]) {
    if (fs.existsSync(path.join(dir, 'index.html'))) return dir;
  }
  return null;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>claudemesh</title></head>
<body><h1>claudemesh</h1><p>The web UI has not been built. Run <code>npm start</code> (it builds web/), or
<code>npx nx run web:build</code>, then restart the server. The API is served under <code>/api</code>.</p></body></html>`;

/** Hashed build files never change; everything else is revalidated. */
const HASHED = /[.-][A-Z0-9]{8,}\.(js|css|woff2?|png|svg|jpg|webp)$/i;

/**
 * Serves the SPA at / (api.md §9, §11): static files with their types, and index.html (200) for any other GET or HEAD
 * outside the excluded prefixes. Without a build, a short notice page.
 */
export function spaMiddleware(root: string | null): RequestHandler {
  const files = root
    ? serveStatic(root, {
        index: false,
        dotfiles: 'ignore',
        fallthrough: true,
        setHeaders: (res, file) => res.setHeader('Cache-Control', HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache'),
      })
    : null;
  const indexFile = root ? path.join(root, 'index.html') : null;
  return (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isSpaExcluded(req.path)) return next();
    const fallback = () => {
      setRouteLabel(req, 'spa');
      res.setHeader('Cache-Control', 'no-cache');
      if (!indexFile) {
        res.status(200).type('html').send(NOT_BUILT);
        return;
      }
      res.status(200).type('html').sendFile(indexFile, (err) => err && next(err));
    };
    if (!files) return fallback();
    setRouteLabel(req, 'static');
    files(req, res, (err?: unknown) => (err ? next(err) : fallback()));
  };
}
