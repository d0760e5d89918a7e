import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on a port of its own in front of a real server, so a test can make that server
 * go away (`stop`), hang (`freeze`) and come back (`start`, `thaw`) without touching it.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private frozen = false;
  private held: (() => void)[] = [];

  private constructor(
    private readonly target: { host: string; port: number },
    private port = 0,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.start();
    return proxy;
  }

  /** Where to connect instead of the target. */
  get address(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  /** Listens (again, on the same port after a `stop`). */
  async start(): Promise<void> {
    const server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (typeof address === 'object' && address) this.port = address.port;
    this.server = server;
  }

  /** Refuses new connections and cuts every open one, as a crashed server would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.held = [];
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** Keeps connections open but passes nothing on, as a hung server or network would. */
  freeze(): void {
    this.frozen = true;
  }

  /** Passes on what was held back, in order, and everything after it. */
  thaw(): void {
    this.frozen = false;
    const held = this.held;
    this.held = [];
    for (const write of held) write();
  }

  private relay(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        const write = () => to.write(chunk);
        if (this.frozen) this.held.push(write);
        else write();
      });
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }
}
