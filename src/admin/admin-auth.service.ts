import { createHmac, randomBytes } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { LoginRefused } from './admin-refusals';
import { constantTimeEqual } from '../common/crypto/constant-time-equal';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export const SESSION_COOKIE = 'ps_admin';
const LOGIN_COOKIE = 'ps_admin_login';
const SESSION_HOURS = 8;

/** A logged-in staff browser: its cookie value and the CSRF token its forms carry. */
export interface AdminSession {
  cookie: string;
  csrf: string;
}

/**
 * Every value the Cookie header gives `name`, in order. A browser may send one name twice (a
 * stale cookie of another path, or one planted by a sibling site); each value is then checked on
 * its own merits (signature, format) rather than trusting whichever came first. A value that is
 * not valid percent-encoding is kept as sent (it then fails those checks): a malformed cookie
 * means "not logged in", never an error. (Its size is bounded by Node's 16 KB header limit, beyond
 * which the request is refused with 431 before it gets here.)
 */
export function cookieValues(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  if (!header) return values;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at <= 0 || part.slice(0, at).trim() !== name) continue;
    const raw = part.slice(at + 1).trim();
    try {
      values.push(decodeURIComponent(raw));
    } catch {
      values.push(raw);
    }
  }
  return values;
}

/**
 * The admin's password login. Sessions are stateless signed cookies (`<expiry>.<HMAC>`, so any
 * instance accepts them), HttpOnly, SameSite=Strict, Secure when PUBLIC_URL is https, scoped to
 * /admin. Every form carries a CSRF token derived from the session (the login form one bound to
 * a short-lived nonce cookie). The signing key derives from ADMIN_PASSWORD and SERVICE_API_KEY:
 * changing the password ends every session. The service API key never reaches a browser.
 */
/** The well-formed login nonces the browser sent (normally one). */
function loginNonces(request: FastifyRequest): string[] {
  return cookieValues(request.headers.cookie, LOGIN_COOKIE).filter((nonce) =>
    /^[0-9a-f]{32}$/.test(nonce),
  );
}

@Injectable()
export class AdminAuth {
  private readonly key: Buffer | null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.key = config.adminPassword
      ? createHmac('sha256', config.adminPassword)
          .update(`payment-service admin|${config.serviceApiKey}`)
          .digest()
      : null;
  }

  get enabled(): boolean {
    return this.key !== null;
  }

  /** The session of the first session cookie that is genuine and current, if any. */
  session(request: FastifyRequest): AdminSession | null {
    if (!this.key) return null;
    for (const cookie of cookieValues(request.headers.cookie, SESSION_COOKIE)) {
      const match = /^(\d{13})\.([0-9a-f]{64})$/.exec(cookie);
      if (!match) continue;
      const [, expiry, mac] = match;
      if (!constantTimeEqual(mac, this.sign(`session|${expiry}`))) continue;
      if (Number(expiry) <= this.clock.nowMs()) continue;
      return { cookie: cookie, csrf: this.sign(`csrf|${cookie}`) };
    }
    return null;
  }

  checkPassword(password: unknown): boolean {
    return (
      typeof password === 'string' &&
      this.config.adminPassword !== null &&
      constantTimeEqual(password, this.config.adminPassword)
    );
  }

  /** The login: with the right password a session starts; otherwise the form is shown again (401). */
  logIn(password: unknown, reply: FastifyReply): void {
    if (!this.checkPassword(password)) throw new LoginRefused(401, 'Wrong password.');
    this.startSession(reply);
  }

  /** Starts a session: sets the cookie. */
  startSession(reply: FastifyReply): void {
    const expiry = String(this.clock.nowMs() + SESSION_HOURS * 3600_000);
    const value = `${expiry}.${this.sign(`session|${expiry}`)}`;
    this.setCookie(reply, SESSION_COOKIE, value, SESSION_HOURS * 3600);
    this.setCookie(reply, LOGIN_COOKIE, '', 0);
  }

  endSession(reply: FastifyReply): void {
    this.setCookie(reply, SESSION_COOKIE, '', 0);
  }

  /** The login form's CSRF token, bound to a nonce cookie set now. */
  loginToken(request: FastifyRequest, reply: FastifyReply): string {
    let nonce = loginNonces(request).at(0);
    if (!nonce) {
      nonce = randomBytes(16).toString('hex');
      this.setCookie(reply, LOGIN_COOKIE, nonce, 3600);
    }
    return this.sign(`login|${nonce}`);
  }

  checkLoginToken(request: FastifyRequest, token: unknown): boolean {
    return (
      typeof token === 'string' &&
      loginNonces(request).some((nonce) => constantTimeEqual(token, this.sign(`login|${nonce}`)))
    );
  }

  checkCsrf(session: AdminSession, token: unknown): boolean {
    return typeof token === 'string' && constantTimeEqual(token, session.csrf);
  }

  private sign(data: string): string {
    if (!this.key) throw new Error('admin is disabled');
    return createHmac('sha256', this.key).update(data).digest('hex');
  }

  private setCookie(reply: FastifyReply, name: string, value: string, maxAgeSeconds: number): void {
    const secure = this.config.publicUrl.startsWith('https://') ? '; Secure' : '';
    const cookie = `${name}=${encodeURIComponent(value)}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
    const existing = reply.getHeader('set-cookie');
    const list = Array.isArray(existing) ? existing : existing ? [String(existing)] : [];
    void reply.header('set-cookie', [...list, cookie]);
  }
}
