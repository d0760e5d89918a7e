import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { killAllServers, ServerScope, type ServerProcess } from './utils/server-process.js';

/**
 * SPEC "Abuse resistance", against `node dist/main.js` on this 2-core machine: a sign-in flood is
 * answered or refused within seconds, another address still signs in, and the server is idle
 * again within seconds after the flooding clients leave.
 */

afterAll(killAllServers);

const CLIENTS = 48;
const FLOOD_MS = 8000;
/** Flooding clients give up on an answer after this, as impatient scripts do. */
const CLIENT_TIMEOUT_MS = 2000;

function useServers({ onTestFinished }: Pick<TestContext, 'onTestFinished'>): ServerScope {
  const scope = new ServerScope();
  onTestFinished(() => scope.cleanup());
  return scope;
}

/** A visitor at `ip` (through one trusted proxy hop) holding the sign-in form's CSRF pair. */
class Visitor {
  private cookie = '';
  private token = '';

  constructor(
    private readonly url: string,
    readonly ip: string,
  ) {}

  async open(page: string): Promise<void> {
    const res = await fetch(`${this.url}${page}`, { headers: this.headers() });
    const cookies = res.headers.getSetCookie().map((line) => line.split(';')[0]);
    if (cookies.length > 0) this.cookie = cookies.join('; ');
    this.token = /name="_csrf" value="([^"]+)"/.exec(await res.text())?.[1] ?? '';
  }

  /** Posts a form; resolves to its status, or 0 when the client gave up first. */
  async post(
    action: string,
    fields: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<number> {
    try {
      const res = await fetch(`${this.url}${action}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...this.headers(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...fields, _csrf: this.token }),
        signal,
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  private headers(): Record<string, string> {
    return { 'x-forwarded-for': this.ip, cookie: this.cookie };
  }
}

interface FloodResult {
  statuses: Record<number, number>;
  /** Milliseconds to each answer the client waited for (given-up requests not counted). */
  latencies: number[];
}

/** `CLIENTS` clients post sign-ins for `FLOOD_MS`; `ipOf` chooses each request's address. */
async function flood(
  url: string,
  ipOf: (client: number, request: number) => string,
): Promise<FloodResult> {
  const statuses: Record<number, number> = {};
  const latencies: number[] = [];
  const stop = new AbortController();
  const deadline = Date.now() + FLOOD_MS;
  const client = async (index: number) => {
    for (let request = 0; Date.now() < deadline; request++) {
      const visitor = new Visitor(url, ipOf(index, request));
      await visitor.open('/login');
      const started = Date.now();
      const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(CLIENT_TIMEOUT_MS)]);
      const status = await visitor.post(
        '/login',
        { name: `flood${index}`, password: 'guess-1234' },
        signal,
      );
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status !== 0) latencies.push(Date.now() - started);
    }
  };
  const timer = setTimeout(() => stop.abort(), FLOOD_MS);
  await Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(index)));
  clearTimeout(timer);
  return { statuses, latencies };
}

/** CPU seconds the process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU the server uses in the second that starts `afterMs` after the flood ended. */
async function cpuAfter(server: ServerProcess, afterMs: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  const before = cpuSeconds(server.pid);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return cpuSeconds(server.pid) - before;
}

const percentile = (values: number[], p: number) =>
  values.toSorted((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0;

async function startWithAccount(
  servers: ServerScope,
): Promise<{ server: ServerProcess; owner: Visitor }> {
  const server = await servers.start({
    DATA_DIR: servers.tempDir(),
    SESSION_SECRET: 'flood-test-secret-of-thirty-two-characters',
    TRUST_PROXY: '1',
  });
  const owner = new Visitor(server.url, '10.200.0.1');
  await owner.open('/register');
  expect(await owner.post('/register', { name: 'owner', password: 'correct horse' })).toBe(303);
  return { server, owner };
}

/** The owner signs in from an address of its own while the flood runs; resolves to ms taken. */
async function ownerSignsIn(owner: Visitor): Promise<{ status: number; ms: number }> {
  await new Promise((resolve) => setTimeout(resolve, FLOOD_MS / 4));
  const started = Date.now();
  await owner.open('/login');
  const status = await owner.post('/login', { name: 'owner', password: 'correct horse' });
  return { status, ms: Date.now() - started };
}

describe('a sign-in flood', { timeout: 60_000 }, () => {
  it('from one address gets 429s while another address signs in within 3 s; the server is idle 3 s after', async (context) => {
    const { server, owner } = await startWithAccount(useServers(context));

    const [result, legit] = await Promise.all([
      flood(server.url, () => '10.100.0.1'),
      ownerSignsIn(owner),
    ]);

    expect({
      refusedMany: (result.statuses[429] ?? 0) > 100,
      no500: result.statuses[500] === undefined,
      legitStatus: legit.status,
      legitWithin3s: legit.ms < 3000,
      idleAfter3s: (await cpuAfter(server, 3000)) < 0.2,
      statuses: result.statuses,
      legitMs: legit.ms,
    }).toMatchObject({
      refusedMany: true,
      legitStatus: 303,
      legitWithin3s: true,
      idleAfter3s: true,
      no500: true,
    });
  });

  it('from many addresses is answered within 3 s at the 95th percentile (503 or 401/429, never 500); the server is idle 3 s after', async (context) => {
    const { server } = await startWithAccount(useServers(context));

    const result = await flood(
      server.url,
      (client, request) => `10.${client}.${request >> 8}.${request & 255}`,
    );

    const p95 = percentile(result.latencies, 0.95);
    expect({
      someBusy: (result.statuses[503] ?? 0) > 0,
      onlyRefusals: Object.keys(result.statuses).every((status) =>
        ['0', '401', '429', '503'].includes(status),
      ),
      p95Within3s: p95 < 3000,
      idleAfter3s: (await cpuAfter(server, 3000)) < 0.2,
      statuses: result.statuses,
      p95,
    }).toMatchObject({ someBusy: true, onlyRefusals: true, p95Within3s: true, idleAfter3s: true });
  });
});
