// Browser-like set-up requests: a cookie jar, the `_csrf` hidden field, register and sign in
// through the real forms. Used before each measurement, never during one (except the timed
// sign-ins of one person during the sign-in flood).
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** Name → value of the cookies a server has set and not yet expired. */
export class CookieJar {
  #cookies = new Map();

  update(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key, raw = ''] = attribute.split('=');
        const k = key.trim().toLowerCase();
        if (k === 'max-age') return Number(raw) <= 0;
        if (k === 'expires') return Date.parse(raw) <= Date.now();
        return false;
      });
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  has(name) {
    return this.#cookies.has(name);
  }

  /** The `Cookie` request header. */
  header() {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', '#x27': "'", '#x60': '`', '#x3D': '=' };

/** The value of the first `_csrf` hidden field of a page, if it has one. */
export function csrfField(html) {
  const match = /name="_csrf"\s+value="([^"]*)"/.exec(html);
  return match?.[1].replace(/&(#x27|#x60|#x3D|amp|lt|gt|quot);/g, (_, entity) => ENTITIES[entity]);
}

/**
 * Client addresses for a server started with TRUST_PROXY=1 (it takes the X-Forwarded-For entry
 * as the client's): set-up browsers each get their own in 198.18.0.0/15 (RFC 2544's benchmark
 * range), so the per-address sign-in limit never refuses the harness's own set-up.
 */
export const benchAddress = (i) => `198.18.${(i >> 8) & 255}.${i & 255}`;
export const randomAddress = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(256)}`;
const from = (address) => (address ? { 'x-forwarded-for': address } : {});

/**
 * One request without following redirects; updates the jar; resolves with status, body and
 * Retry-After. `address`: the client address it claims to come from (X-Forwarded-For).
 */
export async function send(
  base,
  jar,
  path,
  { method = 'GET', form, address, timeoutMs = 30_000 } = {},
) {
  const headers = { accept: 'text/html', ...from(address) };
  const cookie = jar?.header();
  if (cookie) headers.cookie = cookie;
  let body;
  if (form) {
    body = new URLSearchParams(form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(new URL(path, base), {
    method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  jar?.update(res);
  return {
    status: res.status,
    location: res.headers.get('location'),
    retryAfter: res.headers.get('retry-after'),
    text: await res.text(),
  };
}

const isRedirect = (status) => status >= 300 && status < 400;

/** Opens a form page the way a browser does; resolves with a function that posts the form. */
async function openForm(base, jar, path, address, timeoutMs) {
  const page = await send(base, jar, path, { address, timeoutMs });
  if (page.status !== 200) throw new Error(`GET ${path} → ${page.status}`);
  const token = csrfField(page.text);
  return (fields, postTimeoutMs) =>
    send(base, jar, path, {
      method: 'POST',
      form: token === undefined ? fields : { ...fields, _csrf: token },
      address,
      timeoutMs: postTimeoutMs,
    });
}

/** Posts a form the way a browser does: GET the page, copy its `_csrf` field, POST. */
async function submitForm(base, jar, path, fields, address) {
  return (await openForm(base, jar, path, address))(fields);
}

/**
 * A signed-in browser: its Cookie header and the `_csrf` token of its signed-in page (after
 * sign-in the app binds tokens to the session, so forms of that session need this one).
 */
async function signedInBrowser(base, jar) {
  const home = await send(base, jar, '/');
  if (home.status !== 200) throw new Error(`signed-in GET / → ${home.status}`);
  return { cookie: jar.header(), token: csrfField(home.text) };
}

export async function register(base, name, password, address) {
  const jar = new CookieJar();
  const res = await submitForm(base, jar, '/register', { name, password }, address);
  if (!isRedirect(res.status)) throw new Error(`POST /register → ${res.status}`);
  return signedInBrowser(base, jar);
}

export async function signIn(base, name, password, address) {
  const jar = new CookieJar();
  const res = await submitForm(base, jar, '/login', { name, password }, address);
  if (!isRedirect(res.status)) throw new Error(`POST /login → ${res.status}`);
  return signedInBrowser(base, jar);
}

/**
 * A person signing in from `address`: opens the sign-in page and submits it, timed until the
 * redirect that signs them in. Refused with 503 or 429, they wait the Retry-After (as the page
 * asks) and submit again, until `giveUpMs` has passed; a page or answer still awaited then counts
 * as `timeout`. Resolves with `{ ms, ok, refusals }` (status → count).
 */
export async function timedSignIn(base, name, password, { address, giveUpMs = 10_000 } = {}) {
  const started = performance.now();
  const left = () => Math.max(1, Math.ceil(giveUpMs - (performance.now() - started)));
  const refusals = {};
  const outcome = (ok) => ({ ms: performance.now() - started, ok, refusals });
  try {
    const post = await openForm(base, new CookieJar(), '/login', address, left());
    for (;;) {
      const res = await post({ name, password }, left());
      if (isRedirect(res.status)) return outcome(true);
      refusals[res.status] = (refusals[res.status] ?? 0) + 1;
      const wait = (Number(res.retryAfter) || 1) * 1000;
      if (![429, 503].includes(res.status) || wait >= left()) return outcome(false);
      await sleep(wait);
    }
  } catch (error) {
    // No answer in time, no page, no connection: this sign-in failed, and why.
    refusals[error.name === 'TimeoutError' ? 'timeout' : error.message] = 1;
    return outcome(false);
  }
}

/**
 * `count` signed-in sessions of one account (one registration, then sign-ins), so each
 * connection of a measurement can have its own session.
 */
export async function sessionPool(
  base,
  count,
  name = 'bench-user',
  password = 'correct horse battery',
) {
  const pool = [await register(base, name, password, benchAddress(0))];
  while (pool.length < count)
    pool.push(await signIn(base, name, password, benchAddress(pool.length)));
  return pool;
}

/**
 * Anonymous visitors that have opened the sign-in page: their Cookie header (the CSRF cookie,
 * if the server sets one) and the form's token. Such a token stays valid for as long as the
 * visitor sends the same CSRF cookie, so a connection can sign in again and again with it.
 */
export async function signInForms(base, count) {
  const forms = [];
  for (let i = 0; i < count; i++) {
    const jar = new CookieJar();
    const page = await send(base, jar, '/login');
    if (page.status !== 200) throw new Error(`GET /login → ${page.status}`);
    forms.push({ cookie: jar.header(), token: csrfField(page.text) });
  }
  return forms;
}

/** A jar that always sends one fixed Cookie header and ignores what the server sets. */
export const fixedCookie = (cookie) => ({ header: () => cookie, update() {} });
