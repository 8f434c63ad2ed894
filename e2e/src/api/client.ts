/** A minimal black-box HTTP client: cookies like a browser, X-XSRF-TOKEN like Angular, its own X-Forwarded-For. */
export interface Res {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

let n = 1;

export class Client {
  cookies = new Map<string, string>();
  token: string | null = null;
  xsrf = true;
  readonly ip = `192.0.2.${n++ % 250}`;

  constructor(readonly base: string) {}

  async call(method: string, path: string, body?: unknown, opts: { raw?: string; headers?: Record<string, string> } = {}): Promise<Res> {
    const headers: Record<string, string> = { 'X-Forwarded-For': this.ip, ...(opts.headers ?? {}) };
    if (this.cookies.size) headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (this.xsrf && method !== 'GET' && this.cookies.has('XSRF-TOKEN')) headers['X-XSRF-TOKEN'] = this.cookies.get('XSRF-TOKEN')!;
    const payload = opts.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    if (payload !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.base + path, { method, headers, body: payload });
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const [k, v] = [pair.slice(0, i), pair.slice(i + 1)];
      if (v) this.cookies.set(k, v);
      else this.cookies.delete(k);
    }
    const text = await r.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: r.status, body: parsed, text, headers: r.headers };
  }
  get = (p: string, o?: { headers?: Record<string, string> }) => this.call('GET', p, undefined, o);
  post = (p: string, b?: unknown, o?: { raw?: string; headers?: Record<string, string> }) => this.call('POST', p, b, o);
  patch = (p: string, b?: unknown) => this.call('PATCH', p, b);
  del = (p: string) => this.call('DELETE', p);
}
