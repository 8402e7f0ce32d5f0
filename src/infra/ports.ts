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

/** A port nothing listens on right now (the OS picks it). */
export function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
