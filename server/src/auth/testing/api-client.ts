/**
 * A tiny cookie-aware HTTP client for integration tests (real fetch against a listening server).
 * It keeps cm_session / XSRF-TOKEN like a browser, sends X-XSRF-TOKEN on mutations like Angular,
 * and uses its own X-Forwarded-For so per-IP rate limits (TRUST_PROXY=true) do not collide between clients.
 */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

let ipCounter = 1;
const nextIp = (): string => {
  const n = ipCounter++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

export class ApiClient {
  readonly cookies = new Map<string, string>();
  token: string | null = null;
  csrf = true;
  ip = nextIp();

  constructor(readonly baseUrl: string) {}

  /** A copy with the same cookies, token and IP (so a cell cannot disturb the principal's own jar). */
  clone(opts: { cookies?: boolean } = {}): ApiClient {
    const c = new ApiClient(this.baseUrl);
    if (opts.cookies !== false) for (const [k, v] of this.cookies) c.cookies.set(k, v);
    c.token = this.token;
    c.ip = this.ip;
    return c;
  }

  withToken(token: string | null): this {
    this.token = token;
    return this;
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    opts: { headers?: Record<string, string>; raw?: string; cookies?: boolean } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { 'X-Forwarded-For': this.ip, ...(opts.headers ?? {}) };
    if (opts.cookies !== false && this.cookies.size) headers['Cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.token) headers['Authorization'] = `Bearer ${this.token}`;
    const xsrf = this.cookies.get('XSRF-TOKEN');
    if (this.csrf && xsrf && method !== 'GET' && !('X-XSRF-TOKEN' in headers)) headers['X-XSRF-TOKEN'] = decodeURIComponent(xsrf);
    let payload: string | undefined;
    if (opts.raw !== undefined) payload = opts.raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.baseUrl + path, { method, headers, body: payload, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let parsed: any = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  }

  get<T = any>(path: string, opts?: Parameters<ApiClient['request']>[3]) {
    return this.request<T>('GET', path, undefined, opts);
  }
  post<T = any>(path: string, body?: unknown, opts?: Parameters<ApiClient['request']>[3]) {
    return this.request<T>('POST', path, body, opts);
  }
  patch<T = any>(path: string, body?: unknown, opts?: Parameters<ApiClient['request']>[3]) {
    return this.request<T>('PATCH', path, body, opts);
  }
  delete<T = any>(path: string, body?: unknown, opts?: Parameters<ApiClient['request']>[3]) {
    return this.request<T>('DELETE', path, body, opts);
  }
}

export const PASSWORD = 'correct horse battery staple';

let emailCounter = 0;
export const uniqueEmail = (tag = 'user'): string => `${tag}-${Date.now().toString(36)}-${emailCounter++}@example.com`;

/** Signs up a new account on its own client (cookie session). */
export async function signupClient(
  baseUrl: string,
  opts: { email?: string; displayName?: string; setupToken?: string | null } = {},
): Promise<{ client: ApiClient; account: any; email: string }> {
  const client = new ApiClient(baseUrl);
  const email = opts.email ?? uniqueEmail();
  const res = await client.post('/api/auth/signup', {
    email,
    password: PASSWORD,
    displayName: opts.displayName ?? email.split('@')[0].slice(0, 64),
    ...(opts.setupToken ? { setupToken: opts.setupToken } : {}),
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
  return { client, account: res.body.account, email };
}
