import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { freePort } from './server-process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it is true; throws `what` after `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 15_000) {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(100)) {
    if (await check().catch(() => false)) return;
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

/**
 * A redis-server of the test's own, on a spare port, with an append-only file that syncs every
 * write (so a restart keeps what was acknowledged): it can be paused, stopped and started again.
 * `args` (given its directory) make it a replica, a Sentinel or a Cluster node instead.
 */
export class OwnRedis {
  private process?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'nsa-redis-'));

  private constructor(
    readonly port: number,
    private readonly args: (dir: string) => string[],
  ) {}

  static async start(
    args: (dir: string) => string[] = () => ['--appendonly', 'yes', '--appendfsync', 'always'],
  ): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort(), args);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** `127.0.0.1:<port>`, as REDIS_SENTINELS and REDIS_CLUSTER_NODES list them. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the server again, with other `args` if given (a former primary as a replica, say). */
  async restart(args = this.args(this.dir)): Promise<void> {
    // A config file (a Sentinel's) must come before the options.
    const file = args[0] && !args[0].startsWith('--') ? args.slice(0, 1) : [];
    const own = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
    ];
    const rest = args.slice(file.length);
    this.process = spawn('redis-server', [...file, ...own, ...rest], { stdio: 'ignore' });
    await until(`redis-server on port ${this.port}`, () => this.answers(), 5000);
  }

  /** Makes the server stop answering (connections stay open) for `ms`. */
  async pause(ms: number): Promise<void> {
    await this.command(['CLIENT', 'PAUSE', String(ms), 'ALL']);
  }

  /** Stops the server (SIGTERM; SIGKILL: at once, as a crash would); the append-only file keeps the data. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** One command on a connection of its own; the reply as node-redis gives it. */
  async command(args: string[]): Promise<unknown> {
    const client = createClient({
      url: this.url,
      socket: { connectTimeout: 2000, reconnectStrategy: false },
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.sendCommand(args);
    } finally {
      if (client.isOpen) client.destroy();
    }
  }

  /**
   * The commands clients sent while `act` ran, by name, as MONITOR sees them; commands a Lua
   * script ran are left out, since they cost no round trip.
   */
  async commandsDuring(act: () => Promise<unknown>): Promise<string[]> {
    const monitor = spawn('redis-cli', ['-p', String(this.port), 'monitor']);
    let output = '';
    monitor.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const marker = createClient({ url: this.url });
    marker.on('error', () => undefined);
    await marker.connect();
    const mark = async (text: string) => {
      await marker.echo(text);
      await until(`MONITOR shows ${text}`, async () => output.includes(`"${text}"`), 5000);
    };
    try {
      await until('MONITOR on', async () => output.startsWith('OK'), 5000);
      await mark('start');
      await act();
      await mark('end');
    } finally {
      monitor.kill();
      marker.destroy();
    }
    const during = output.slice(output.indexOf('"start"'), output.indexOf('"end"')).split('\n');
    return during
      .slice(1, -1)
      .filter((line) => !line.includes(' lua] '))
      .map((line) => /\] "(\w+)"/.exec(line)?.[1].toLowerCase() ?? line);
  }

  /** A field of `INFO <section>`. */
  async info(section: string, field: string): Promise<string | undefined> {
    const text = String(await this.command(['INFO', section]));
    return new RegExp(`^${field}:(.*)\\r?$`, 'm').exec(text)?.[1].trim();
  }

  private async answers(): Promise<boolean> {
    try {
      await this.command(['PING']);
      return true;
    } catch {
      return false;
    }
  }
}

/** A primary, its replica and three Sentinels that fail over about 2 s after the primary dies. */
export class SentinelGroup {
  private constructor(
    readonly primary: OwnRedis,
    readonly replica: OwnRedis,
    readonly sentinels: OwnRedis[],
  ) {}

  static readonly NAME = 'mymaster';

  static async start(): Promise<SentinelGroup> {
    const primary = await OwnRedis.start(() => []);
    const replica = await OwnRedis.start(() => ['--replicaof', '127.0.0.1', String(primary.port)]);
    await until(
      'the replica in sync',
      async () => (await replica.info('replication', 'master_link_status')) === 'up',
    );
    const sentinels = await Promise.all(
      [1, 2, 3].map(() =>
        OwnRedis.start((dir) => {
          // Sentinel rewrites its config file, so each gets a writable one of its own.
          const file = join(dir, 'sentinel.conf');
          writeFileSync(
            file,
            [
              `sentinel monitor ${SentinelGroup.NAME} 127.0.0.1 ${primary.port} 2`,
              `sentinel down-after-milliseconds ${SentinelGroup.NAME} 1000`,
              `sentinel failover-timeout ${SentinelGroup.NAME} 2000`,
              '',
            ].join('\n'),
          );
          return [file, '--sentinel'];
        }),
      ),
    );
    const group = new SentinelGroup(primary, replica, sentinels);
    await until('the Sentinels know each other and the replica', async () => {
      for (const sentinel of sentinels) {
        const master = (await sentinel.command([
          'SENTINEL',
          'MASTER',
          SentinelGroup.NAME,
        ])) as string[];
        const field = (name: string) => Number(master[master.indexOf(name) + 1]);
        if (field('num-other-sentinels') < 2 || field('num-slaves') < 1) return false;
      }
      return true;
    });
    return group;
  }

  /** `host:port,…` of the Sentinels, as REDIS_SENTINELS takes them. */
  get addresses(): string {
    return this.sentinels.map((sentinel) => sentinel.address).join(',');
  }

  /** The port of the primary the Sentinels name now. */
  async primaryPort(): Promise<number> {
    const [, port] = (await this.sentinels[0].command([
      'SENTINEL',
      'GET-MASTER-ADDR-BY-NAME',
      SentinelGroup.NAME,
    ])) as string[];
    return Number(port);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.primary, this.replica, ...this.sentinels].map((one) => one.dispose()));
  }
}

/** A Redis Cluster of three primaries (no replicas), every slot assigned. */
export class OwnCluster {
  private constructor(readonly nodes: OwnRedis[]) {}

  static async start(): Promise<OwnCluster> {
    const nodes = await Promise.all(
      [1, 2, 3].map(() =>
        OwnRedis.start(() => ['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000']),
      ),
    );
    await promisify(execFile)('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((node) => node.address),
      '--cluster-yes',
    ]);
    const cluster = new OwnCluster(nodes);
    for (const node of nodes) {
      await until('the Cluster ready', async () =>
        String(await node.command(['CLUSTER', 'INFO'])).includes('cluster_state:ok'),
      );
    }
    return cluster;
  }

  /** `host:port,…` of the nodes, as REDIS_CLUSTER_NODES takes them. */
  get addresses(): string {
    return this.nodes.map((node) => node.address).join(',');
  }

  /** The node that serves `key`. */
  async nodeOf(key: string): Promise<OwnRedis> {
    const slot = Number(await this.nodes[0].command(['CLUSTER', 'KEYSLOT', key]));
    for (const node of this.nodes) {
      if (Number(await node.command(['CLUSTER', 'COUNTKEYSINSLOT', String(slot)])) > 0) return node;
    }
    throw new Error(`no node holds ${key}`);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.dispose()));
  }
}
