import { createServer } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../platform/logger.ts';
import { PortInUseError } from './server.ts';

export type MetricsServer = Readonly<{ port: number; close: () => Promise<void> }>;

/**
 * `GET /metrics` on a port of its own (METRICS_PORT), for Prometheus on a private network: no token, nothing else
 * served. node:http is plenty for a scrape every few seconds, and keeps this listener apart from the public gateway.
 */
export const startMetricsServer = (options: {
  host: string;
  port: number;
  registry: Registry;
  logger: Logger;
}): Promise<MetricsServer> => {
  const { registry, logger } = options;
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('only GET /metrics here\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => {
        logger.error({ err: error }, 'could not collect metrics');
        response.writeHead(500).end();
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(options.host, options.port, 'METRICS_PORT') : error),
    );
    server.listen(options.port, options.host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      logger.info({ host: options.host, port }, 'metrics listening');
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
};
