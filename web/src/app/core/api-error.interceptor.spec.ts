import { HttpClient, HttpContext, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';

import { ApiError, NETWORK_FAILURE_MESSAGE, SILENT_ERRORS } from './api-error';
import { apiErrorInterceptor } from './api-error.interceptor';
import { NotificationService } from './notification.service';

function setup() {
  TestBed.configureTestingModule({
    providers: [provideRouter([]), provideHttpClient(withInterceptors([apiErrorInterceptor])), provideHttpClientTesting()],
  });
  return {
    http: TestBed.inject(HttpClient),
    ctrl: TestBed.inject(HttpTestingController),
    notices: TestBed.inject(NotificationService),
    router: TestBed.inject(Router),
  };
}

const errorBody = (code: string, message: string, statusCode: number) => ({
  error: { code, message, details: { fields: [{ field: 'maxUses', message }] } },
  statusCode,
  timestamp: '2026-12-01T10:00:00.000Z',
  path: '/api/x',
  requestId: 'req-12345678',
});

describe('apiErrorInterceptor (api.md §1.4, §11)', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('issue 6 §5: shows the server message verbatim and rejects with an ApiError carrying code and details', async () => {
    const { http, ctrl, notices } = setup();
    const msg = 'maxUses must be an integer from 1 to 1000';
    const p = firstValueFrom(http.post('/api/meshes/x/invites', { maxUses: 5000 }));
    ctrl.expectOne('/api/meshes/x/invites').flush(errorBody('validation_failed', msg, 400), { status: 400, statusText: 'Bad Request' });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe(msg);
    expect((err as ApiError).code).toBe('validation_failed');
    expect((err as ApiError).details?.fields?.[0].field).toBe('maxUses');
    expect(notices.notices().map((n) => n.text)).toEqual([msg]);
    expect(notices.notices()[0].kind).toBe('error');
  });

  it('issue 6 §5: a network failure reads "Cannot reach the server"', async () => {
    const { http, ctrl, notices } = setup();
    const p = firstValueFrom(http.get('/api/meshes'));
    ctrl.expectOne('/api/meshes').error(new ProgressEvent('error'), { status: 0, statusText: 'Unknown Error' });
    const err = (await p.catch((e: unknown) => e)) as ApiError;
    expect(err.message).toBe(NETWORK_FAILURE_MESSAGE);
    expect(NETWORK_FAILURE_MESSAGE).toBe('Cannot reach the server');
    expect(notices.notices().map((n) => n.text)).toEqual(['Cannot reach the server']);
  });

  it('issue 6 §5: a 5xx message with its request reference is shown as is, never a generic text', async () => {
    const { http, ctrl, notices } = setup();
    const msg = 'Internal error; reference 5c1d2e3f-aaaa';
    const p = firstValueFrom(http.get('/api/meshes'));
    ctrl.expectOne('/api/meshes').flush(errorBody('internal_error', msg, 500), { status: 500, statusText: 'Internal Server Error' });
    await p.catch(() => undefined);
    expect(notices.notices()[0].text).toBe(msg);
    expect(notices.notices()[0].text).not.toMatch(/something went wrong/i);
  });

  it('a body outside the error shape names the status instead of inventing a message', async () => {
    const { http, ctrl, notices } = setup();
    const p = firstValueFrom(http.get('/api/meshes'));
    ctrl.expectOne('/api/meshes').flush('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    await p.catch(() => undefined);
    expect(notices.notices()[0].text).toBe('The server answered 502 Bad Gateway');
  });

  it('issue 6 §5: a 401 unauthenticated leads to /login?next=<route> without a toast', async () => {
    const { http, ctrl, notices, router } = setup();
    const nav = jest.spyOn(router, 'navigate').mockResolvedValue(true);
    jest.spyOn(router, 'url', 'get').mockReturnValue('/meshes/abc');
    const p = firstValueFrom(http.get('/api/meshes/abc'));
    ctrl.expectOne('/api/meshes/abc').flush(errorBody('unauthenticated', 'Sign in first', 401), { status: 401, statusText: 'Unauthorized' });
    await p.catch(() => undefined);
    expect(nav).toHaveBeenCalledWith(['/login'], { queryParams: { next: '/meshes/abc' } });
    expect(notices.notices()).toHaveLength(0);
  });

  it('a wrong password (401 invalid_credentials) is shown, not redirected', async () => {
    const { http, ctrl, notices, router } = setup();
    const nav = jest.spyOn(router, 'navigate');
    const p = firstValueFrom(http.post('/api/auth/login', {}));
    ctrl.expectOne('/api/auth/login').flush(errorBody('invalid_credentials', 'Wrong email or password', 401), { status: 401, statusText: 'Unauthorized' });
    await p.catch(() => undefined);
    expect(nav).not.toHaveBeenCalled();
    expect(notices.notices()[0].text).toBe('Wrong email or password');
  });

  it('requests marked SILENT_ERRORS get the ApiError but no toast', async () => {
    const { http, ctrl, notices } = setup();
    const p = firstValueFrom(http.get('/api/public/invites/x', { context: new HttpContext().set(SILENT_ERRORS, true) }));
    ctrl.expectOne('/api/public/invites/x').flush(errorBody('invite_not_found', 'No invite matches', 404), { status: 404, statusText: 'Not Found' });
    const err = (await p.catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('invite_not_found');
    expect(notices.notices()).toHaveLength(0);
  });
});
