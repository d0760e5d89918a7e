import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from './utils/forms.js';
import {
  exitWithin,
  freePort,
  killAllServers,
  ServerScope,
  type ServerProcess,
} from './utils/server-process.js';

/** Makes a server print, as it exits, how many OpenTelemetry SDK modules it loaded. */
const REPORT_SDK_MODULES = `--require ${join(import.meta.dirname, 'utils', 'report-sdk-modules.cjs')}`;

/** SIGTERMs the server, expects a clean exit, and reads the count `REPORT_SDK_MODULES` printed. */
async function sdkModulesLoaded(server: ServerProcess): Promise<number> {
  server.kill('SIGTERM');
  expect(await exitWithin(server, 15_000)).toEqual({ code: 0, signal: null });
  const match = /OpenTelemetry SDK modules loaded: (\d+)/.exec(server.stderr);
  if (!match) throw new Error(`no module report in stderr: ${server.stderr}`);
  return Number(match[1]);
}

/** A span as OTLP/JSON sends it (ids in hex). */
interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
}

/** An OTLP/HTTP collector on loopback that keeps every span it is sent. */
class Collector {
  readonly spans: Span[] = [];
  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const { resourceSpans } = JSON.parse(body) as {
          resourceSpans: { scopeSpans: { spans: Span[] }[] }[];
        };
        for (const { scopeSpans } of resourceSpans)
          for (const { spans } of scopeSpans) this.spans.push(...spans);
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Waits (bounded) until a span matches. */
  async span(matches: (span: Span) => boolean): Promise<Span> {
    for (let i = 0; i < 200; i++) {
      const found = this.spans.find(matches);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no such span among: ${this.spans.map((s) => s.name).join(', ')}`);
  }
}

const attribute = (span: Span, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

const SERVER_KIND = 2;

describe('an operator turns tracing on with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  const servers = new ServerScope();
  const collector = new Collector();
  let server: ServerProcess;

  beforeAll(async () => {
    server = await servers.start({
      DATA_DIR: servers.tempDir(),
      SESSION_SECRET: 'tracing-test-secret',
      OTEL_EXPORTER_OTLP_ENDPOINT: await collector.start(),
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Send spans every 100 ms instead of every 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  });
  afterAll(async () => {
    await servers.cleanup();
    await killAllServers();
    await collector.stop();
  });

  it('sees a signed-in page view as a span named by its route, its session read as a child span, and its trace id in the log line', async () => {
    const browser = request.agent(server.url);
    expect((await register(browser, 'traced')).status).toBe(303);
    expect((await browser.get('/').set('X-Request-Id', 'traced-page-view')).status).toBe(200);

    const page = await collector.span(
      (span) => span.name === 'GET /' && attribute(span, 'http.route') === '/',
    );
    expect(page.kind).toBe(SERVER_KIND);
    expect(attribute(page, 'http.response.status_code')).toBe(200);
    const read = await collector.span(
      (span) => span.traceId === page.traceId && span.name === 'session_store get',
    );
    expect(read.parentSpanId).toBe(page.spanId);

    const line = server.stdout
      .split('\n')
      .filter((text) => text.includes('"traced-page-view"'))
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(line).toEqual([
      expect.objectContaining({ msg: 'request completed', route: '/', traceId: page.traceId }),
    ]);
  });

  it('leaves health probes out of the traces', async () => {
    expect((await request(server.url).get('/health/live')).status).toBe(200);
    expect((await request(server.url).get('/health/ready')).status).toBe(200);
    // A request after the probes: once its span is in, the probes' would be too.
    await request(server.url).get('/login');
    await collector.span((span) => span.name === 'GET /login');
    expect(collector.spans.filter((span) => span.name.includes('/health'))).toEqual([]);
  });
});

describe('an operator stops a traced server with SIGTERM', () => {
  const servers = new ServerScope();
  const collector = new Collector();
  afterAll(async () => {
    await servers.cleanup();
    await collector.stop();
  });

  it('gets the spans still buffered, sent before it exits', async () => {
    const server = await servers.start({
      DATA_DIR: servers.tempDir(),
      SESSION_SECRET: 'tracing-test-secret',
      OTEL_EXPORTER_OTLP_ENDPOINT: await collector.start(),
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Nothing would be sent for a minute but for the flush at shutdown.
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      NODE_OPTIONS: REPORT_SDK_MODULES,
    });
    expect((await request(server.url).get('/login')).status).toBe(200);
    expect(collector.spans).toEqual([]);
    expect(await sdkModulesLoaded(server)).toBeGreaterThan(0);
    expect(collector.spans.map((span) => span.name)).toContain('GET /login');
  });
});

describe('an operator leaves OTEL_EXPORTER_OTLP_ENDPOINT unset', () => {
  const servers = new ServerScope();
  afterAll(() => servers.cleanup());

  it('runs without loading a single OpenTelemetry SDK module', async () => {
    const server = await servers.start({
      DATA_DIR: servers.tempDir(),
      SESSION_SECRET: 'tracing-test-secret',
      METRICS_PORT: String(await freePort()),
      NODE_OPTIONS: REPORT_SDK_MODULES,
    });
    expect((await request(server.url).get('/login')).status).toBe(200);
    expect(await sdkModulesLoaded(server)).toBe(0);
  });
});
