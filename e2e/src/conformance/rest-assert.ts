/** The error shape of api.md §1.4, checked field by field, with a label so a failing sweep names its case. */
import type { Res } from './rest-world';

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export interface ErrorExpectation {
  /** Field names details.fields must include (validation_failed). */
  fields?: string[];
  /** details.reason (invite errors). */
  reason?: string;
  /** The request path the body's `path` must equal (no query string). */
  path?: string;
}

/** What a response looks like against an expected error; `toEqual` on this gives a readable diff. */
export function errorView(res: Res, label: string, o: ErrorExpectation = {}): Record<string, unknown> {
  const b = res.body;
  const e = b?.error;
  const fieldNames: string[] = Array.isArray(e?.details?.fields) ? e.details.fields.map((f: any) => f.field) : [];
  return {
    label,
    status: res.status,
    code: e?.code,
    statusCode: b?.statusCode,
    message: typeof e?.message === 'string' && e.message.length > 0 && e.message.length <= 300 && !/\n|\bat \S+ \(|node_modules|QueryFailed|SELECT /.test(e.message),
    timestamp: typeof b?.timestamp === 'string' && ISO_MS.test(b.timestamp),
    requestId: typeof b?.requestId === 'string' && b.requestId.length > 0 && b.requestId === res.headers.get('x-request-id'),
    ...(o.path !== undefined ? { path: b?.path } : {}),
    ...(o.fields ? { fields: o.fields.every((f) => fieldNames.includes(f)) ? o.fields : fieldNames } : {}),
    ...(o.reason !== undefined ? { reason: e?.details?.reason } : {}),
    ...(e?.code === 'validation_failed' ? { fieldsListed: fieldNames.length > 0 } : {}),
  };
}

export function expectedView(label: string, status: number, code: string, o: ErrorExpectation = {}): Record<string, unknown> {
  return {
    label,
    status,
    code,
    statusCode: status,
    message: true,
    timestamp: true,
    requestId: true,
    ...(o.path !== undefined ? { path: o.path } : {}),
    ...(o.fields ? { fields: o.fields } : {}),
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
    ...(code === 'validation_failed' ? { fieldsListed: true } : {}),
  };
}

/** Asserts the contract error (status, code, shape, request id, fields/reason). */
export function expectError(res: Res, status: number, code: string, label = '', o: ErrorExpectation = {}): void {
  expect(errorView(res, label, o)).toEqual(expectedView(label, status, code, o));
}

/** Collects mismatches instead of stopping at the first, so one run lists every deviation of a sweep. */
export class Mismatches {
  readonly list: string[] = [];

  check(res: Res, status: number, code: string, label: string, o: ErrorExpectation = {}): void {
    const got = errorView(res, label, o);
    const want = expectedView(label, status, code, o);
    if (JSON.stringify(got) !== JSON.stringify(want)) this.list.push(`${label}: got ${JSON.stringify(got)} (${res.text.slice(0, 160)})`);
    if (res.status >= 500) this.list.push(`${label}: 5xx ${res.text.slice(0, 200)}`);
  }

  expectStatus(res: Res, status: number, label: string): void {
    if (res.status !== status) this.list.push(`${label}: status ${res.status}, want ${status} (${res.text.slice(0, 160)})`);
  }

  add(msg: string): void {
    this.list.push(msg);
  }

  assertNone(): void {
    expect(this.list).toEqual([]);
  }
}
