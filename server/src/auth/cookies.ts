import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'cm_session';
export const XSRF_COOKIE = 'XSRF-TOKEN';
export const XSRF_HEADER = 'x-xsrf-token';

/** Reads one cookie from the Cookie header (no dependency on cookie-parser being mounted). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

export interface CookieSettings {
  secure: boolean;
  maxAgeMs: number;
}

/** cm_session: httpOnly, SameSite=Lax, Path=/, Secure under https (api.md §1.2). */
export function setSessionCookies(res: Response, token: string, csrfToken: string, s: CookieSettings): void {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/', secure: s.secure, maxAge: s.maxAgeMs });
  setXsrfCookie(res, csrfToken, s);
}

/** XSRF-TOKEN is readable by the SPA (not httpOnly), as Angular expects. */
export function setXsrfCookie(res: Response, csrfToken: string, s: CookieSettings): void {
  res.cookie(XSRF_COOKIE, csrfToken, { httpOnly: false, sameSite: 'lax', path: '/', secure: s.secure, maxAge: s.maxAgeMs });
}

export function clearSessionCookies(res: Response, secure: boolean): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure });
  res.clearCookie(XSRF_COOKIE, { httpOnly: false, sameSite: 'lax', path: '/', secure });
}
