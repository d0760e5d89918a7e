import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How a server process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A `node dist/main.js` child process, as `npm start` runs it. */
export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>`; meaningful once `ready` has resolved. */
  readonly url: string;
  /** Everything the process has written so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves on the "Listening on" log line; rejects with a ServerExitError if it exits first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<ExitStatus>;
  /** Sends a signal; does nothing once the process has exited. */
  kill(signal?: NodeJS.Signals): void;
}

/** The process exited (or hung) before it was listening. */
export class ServerExitError extends Error {
  override name = 'ServerExitError';
  constructor(
    message: string,
    readonly status: ExitStatus | undefined,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

const READY_LINE = 'Listening on';

/** Every child any scope started and that has not exited yet: the afterAll safety net. */
const running = new Set<ChildProcess>();

/** Ports this test process has handed out: a restarted server keeps its port while it boots. */
const handedOut = new Set<number>();

/**
 * A port nothing listens on right now (bind port 0, read the port, close) and that no other
 * server of this test file has been given, since a server takes a second or more to bind it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, () => {
        const address = server.address();
        const assigned = typeof address === 'object' && address ? address.port : 0;
        server.close(() => (assigned ? resolve(assigned) : reject(new Error('no port assigned'))));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Resolves with the exit status, or rejects if the process is still running after `ms`. */
export function exitWithin(server: ServerProcess, ms: number): Promise<ExitStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`process ${server.pid} still running after ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([server.exited, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The server processes and temp directories of one test. Tests that run concurrently each
 * get their own, so one test's clean-up never kills another's server.
 */
export class ServerScope {
  private readonly children = new Set<ChildProcess>();
  private readonly dirs = new Set<string>();

  /** A fresh directory under the OS temp dir, removed by `cleanup()`. */
  tempDir(prefix = 'nsa-proc-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.add(dir);
    return dir;
  }

  /**
   * Spawns `node dist/main.js` in the project root with only the given variables (plus PATH,
   * NO_COLOR and a free PORT unless one is given), so the test runner's own environment cannot
   * leak in. Does not wait: await `ready` and/or `exited`.
   */
  async spawn(env: Record<string, string> = {}): Promise<ServerProcess> {
    const port = env.PORT === undefined ? await freePort() : Number(env.PORT);
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    running.add(child);

    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.stderr.on('data', (chunk: string) => (stderr += chunk));

    const exited = new Promise<ExitStatus>((resolve) => {
      const done = (status: ExitStatus) => {
        running.delete(child);
        resolve(status);
      };
      // 'close' (not 'exit') so that all output has been read by then.
      child.once('close', (code, signal) => done({ code, signal }));
      child.once('error', (error) => {
        stderr += `spawn failed: ${error.message}\n`;
        done({ code: null, signal: null });
      });
    });

    const ready = new Promise<void>((resolve, reject) => {
      const onData = () => {
        if (!stdout.includes(READY_LINE)) return;
        child.stdout.off('data', onData);
        resolve();
      };
      child.stdout.on('data', onData);
      void exited.then((status) =>
        reject(
          new ServerExitError(
            `server (pid ${child.pid}, port ${port}) exited before listening ` +
              `(code ${status.code}, signal ${status.signal}):\n${stderr || stdout.slice(-2000)}`,
            status,
            stdout,
            stderr,
          ),
        ),
      );
    });
    // Callers that only await `exited` must not get an unhandled rejection from `ready`.
    ready.catch(() => undefined);

    return {
      pid: child.pid ?? -1,
      port,
      url: `http://127.0.0.1:${port}`,
      get stdout() {
        return stdout;
      },
      get stderr() {
        return stderr;
      },
      ready,
      exited,
      kill(signal: NodeJS.Signals = 'SIGTERM') {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
    };
  }

  /** Spawns the server and resolves once it logs "Listening on"; kills it if that takes too long. */
  async start(env: Record<string, string> = {}, timeoutMs = 20_000): Promise<ServerProcess> {
    const server = await this.spawn(env);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        server.kill('SIGKILL');
        reject(
          new ServerExitError(
            `server not listening after ${timeoutMs} ms:\n${server.stdout}\n${server.stderr}`,
            undefined,
            server.stdout,
            server.stderr,
          ),
        );
      }, timeoutMs);
    });
    try {
      await Promise.race([server.ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return server;
  }

  /** SIGKILLs this scope's children that are still running, waits for them, removes its dirs. */
  async cleanup(): Promise<void> {
    await killAll([...this.children]);
    this.children.clear();
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.dirs.clear();
  }
}

/** For afterAll: SIGKILLs every server any scope started that is still running. */
export async function killAllServers(): Promise<void> {
  await killAll([...running]);
}

function killAll(children: ChildProcess[]): Promise<unknown> {
  return Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          running.delete(child);
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
