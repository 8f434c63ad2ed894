import { ArgumentsHost, BadRequestException, ForbiddenException, HttpException, Logger, NotFoundException } from '@nestjs/common';
import { AppError } from '@claudemesh/shared/errors';
import { AppExceptionFilter } from './app-exception.filter';

function run(exception: unknown, request: Record<string, unknown> = {}) {
  const headers: Record<string, string> = {};
  const res = {
    headersSent: false,
    statusCode: 0,
    body: undefined as unknown,
    setHeader: (k: string, v: string) => (headers[k] = v),
    status(code: number) {
      this.statusCode = code;
      return this;
    },
    json(b: unknown) {
      this.body = b;
      return this;
    },
    end: () => undefined,
  };
  const req = { id: 'req-12345678', method: 'GET', originalUrl: '/api/meshes/x?limit=2', url: '/api/meshes/x?limit=2', ...request };
  const host = { getType: () => 'http', switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) } as unknown as ArgumentsHost;
  new AppExceptionFilter().catch(exception, host);
  return { status: res.statusCode, body: res.body as Record<string, any>, headers };
}

describe('AppExceptionFilter (api.md §1.4)', () => {
  it('maps an AppError with its code, message and details', () => {
    const r = run(new AppError('mesh_archived', 'The mesh is archived'));
    expect(r.status).toBe(410);
    expect(r.body).toEqual({
      error: { code: 'mesh_archived', message: 'The mesh is archived' },
      statusCode: 410,
      timestamp: expect.any(String),
      path: '/api/meshes/x',
      requestId: 'req-12345678',
    });
  });

  it('cuts path segments longer than 64 chars (a v1 token) in the body, as in the logs', () => {
    const token = 'v'.repeat(200);
    const r = run(new AppError('invite_expired', 'This invite has expired'), { originalUrl: `/api/public/invites/${token}?x=1`, url: '/x' });
    expect(r.body.path).toBe('/api/public/invites/…');
    expect(JSON.stringify(r.body)).not.toContain(token);
  });

  it('adds Retry-After (seconds, rounded up) for rate_limited', () => {
    const r = run(new AppError('rate_limited', 'Too many requests', { retryAfterMs: 1200 }));
    expect(r.status).toBe(429);
    expect(r.headers['Retry-After']).toBe('2');
    expect(r.body.error.details).toEqual({ retryAfterMs: 1200 });
  });

  it('maps Nest HttpExceptions to contract codes without echoing router messages', () => {
    const nf = run(new NotFoundException('Cannot GET /api/' + 'x'.repeat(100)));
    expect(nf.status).toBe(404);
    expect(nf.body.error).toEqual({ code: 'not_found', message: 'No such resource' });
    expect(run(new ForbiddenException()).body.error.code).toBe('forbidden');
    expect(run(new BadRequestException('bad')).body.error.code).toBe('validation_failed');
    expect(run(new BadRequestException('x', { cause: new URIError('bad') })).status).toBe(404);
  });

  it('answers unknown errors with 500 internal_error and no internals', () => {
    const r = run(new Error('relation "mesh.secret_table" does not exist at /srv/app.js:12'));
    expect(r.status).toBe(500);
    expect(r.body.error).toEqual({ code: 'internal_error', message: 'Internal error; reference req-12345678' });
    expect(JSON.stringify(r.body)).not.toMatch(/secret_table|app\.js/);
    expect(run(new HttpException('db exploded', 502)).body.error.message).toBe('Internal error; reference req-12345678');
    expect(run(new AppError('internal_error', 'SQL state 42P01')).body.error.message).toBe('Internal error; reference req-12345678');
  });

  it('logs a 5xx with the route template, never the raw path (invite codes and tokens live in paths)', () => {
    const spy = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const code = 'AbCd1234';
      const token = 'eyJ' + 'x'.repeat(120);
      run(new Error('boom'), { method: 'POST', originalUrl: `/api/public/invites/${code}/claim?x=1`, url: '/x', route: { path: '/api/public/invites/:code/claim' } });
      run(new Error('boom'), { originalUrl: `/api/public/invites/${token}`, url: '/x', route: { path: '/api/public/invites/:ref' } });
      expect(spy).toHaveBeenCalledTimes(2);
      const [first, second] = spy.mock.calls.map((c) => c[0] as Record<string, unknown>);
      expect(first).toMatchObject({ requestId: 'req-12345678', method: 'POST', route: '/api/public/invites/:code/claim', err: expect.stringContaining('boom') });
      expect(second.route).toBe('/api/public/invites/:ref');
      const logged = JSON.stringify(spy.mock.calls);
      expect(logged).not.toContain(code);
      expect(logged).not.toContain(token.slice(0, 40));
      // 4xx answers are not logged by the filter (the access line covers them)
      run(new AppError('invite_not_found', 'No such invite'), { originalUrl: `/i/${code}` });
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });
});
