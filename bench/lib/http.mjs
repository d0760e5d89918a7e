// Browser-like set-up requests: a cookie jar, the `_csrf` hidden field, register and sign in
// through the real forms. Used before each measurement, never during one.

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

/** One request without following redirects; updates the jar; resolves with status and body. */
export async function send(base, jar, path, { method = 'GET', form } = {}) {
  const headers = { accept: 'text/html' };
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
    signal: AbortSignal.timeout(30_000),
  });
  jar?.update(res);
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

const isRedirect = (status) => status >= 300 && status < 400;

/** Posts a form the way a browser does: GET the page, copy its `_csrf` field, POST. */
async function submitForm(base, jar, path, fields) {
  const page = await send(base, jar, path);
  if (page.status !== 200) throw new Error(`GET ${path} → ${page.status}`);
  const token = csrfField(page.text);
  return send(base, jar, path, {
    method: 'POST',
    form: token === undefined ? fields : { ...fields, _csrf: token },
  });
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

export async function register(base, name, password) {
  const jar = new CookieJar();
  const res = await submitForm(base, jar, '/register', { name, password });
  if (!isRedirect(res.status)) throw new Error(`POST /register → ${res.status}`);
  return signedInBrowser(base, jar);
}

export async function signIn(base, name, password) {
  const jar = new CookieJar();
  const res = await submitForm(base, jar, '/login', { name, password });
  if (!isRedirect(res.status)) throw new Error(`POST /login → ${res.status}`);
  return signedInBrowser(base, jar);
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
  const pool = [await register(base, name, password)];
  while (pool.length < count) pool.push(await signIn(base, name, password));
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
