/**
 * The one REST client of the black-box suites and the bench: a cookie jar like a browser, X-XSRF-TOKEN like Angular
 * (cookie sessions only), a PAT bearer when set, and an optional per-request timeout and X-Forwarded-For.
 */
export interface RestResponse<T> {
  status: number;
  json: T;
  text: string;
  headers: Headers;
}

export interface RestClientOptions {
  /** Abort each request after this many ms (none by default). */
  timeoutMs?: number;
  /** X-Forwarded-For for every request (servers under test with TRUST_PROXY see distinct client IPs). */
  forwardedFor?: string | (() => string);
}

export class RestClient {
  private readonly cookies = new Map<string, string>();
  /** A PAT: when set, requests carry it instead of the cookie session. */
  bearer: string | null = null;

  constructor(
    readonly baseUrl: string,
    private readonly opts: RestClientOptions = {},
  ) {}

  /** The session cookies as a Cookie header value (for sockets and raw fetches). */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** The decoded XSRF-TOKEN cookie, or null before a session exists. */
  xsrfToken(): string | null {
    const v = this.cookies.get('XSRF-TOKEN');
    return v === undefined ? null : decodeURIComponent(v);
  }

  async call<T = any>(method: string, path: string, body?: unknown): Promise<RestResponse<T>> {
    const headers: Record<string, string> = {};
    const ff = this.opts.forwardedFor;
    if (ff) headers['x-forwarded-for'] = typeof ff === 'function' ? ff() : ff;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    else if (this.cookies.size) {
      headers.cookie = this.cookieHeader();
      const xsrf = this.xsrfToken();
      if (xsrf) headers['x-xsrf-token'] = xsrf;
    }
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: this.opts.timeoutMs ? AbortSignal.timeout(this.opts.timeoutMs) : undefined,
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json: json as T, text, headers: res.headers };
  }

  /** `call`, but any status ≥ 300 throws with the method, path, status and the start of the body. */
  async ok<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${r.text.slice(0, 300)}`);
    return r.json;
  }
}
