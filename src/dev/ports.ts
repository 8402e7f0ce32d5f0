import net from 'node:net';

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly what: string,
    readonly setting: string,
  ) {
    super(
      `Port ${port} (${what}) is already in use. Stop whatever holds it (\`ss -ltnp 'sport = :${port}'\` shows it) or set ${setting} to another port.`,
    );
    this.name = 'PortInUseError';
  }
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Throws a PortInUseError naming the port, the service and the setting that moves it. */
export async function assertPortFree(
  port: number,
  what: string,
  setting: string,
  host = '127.0.0.1',
): Promise<void> {
  if (!(await canListen(port, host))) throw new PortInUseError(port, what, setting);
}

/**
 * A port nothing listens on right now, for tests and benchmarks. Picked below the kernel's
 * ephemeral range (32768+ on Linux), where servers asked for "any port" (the Temporal dev
 * server's HTTP and metrics ports) and outgoing connections get theirs, so a port handed
 * out here is not taken by one of those before its owner binds it.
 */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    if (await canListen(port, host)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('No free port found between 20000 and 32000');
}

/** Ports this process already handed out (they may not be bound yet). */
const handedOut = new Set<number>();
