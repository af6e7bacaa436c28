import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { startTestServer } from './support/testServer.ts';

describe('metrics on a port of their own (METRICS_PORT)', () => {
  let server: RunningServer;
  let baseUrl: string;
  let metricsUrl: string;

  beforeAll(async () => {
    ({ server, baseUrl } = await startTestServer({ metricsPort: 0 }));
    metricsUrl = `http://127.0.0.1:${server.metricsPort}`;
  });
  afterAll(() => server?.drain());

  it('serves GET /metrics there without a token, and nothing else', async () => {
    expect(server.metricsPort).not.toBe(server.port);
    await fetch(`${baseUrl}/healthz`);
    const scrape = await fetch(`${metricsUrl}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = await scrape.text();
    expect(text).toMatch(/http_request_duration_seconds_count\{route="\/healthz",method="GET",status="200"\} \d+/);
    expect(text).toContain('actor_appends_total');
    expect((await fetch(`${metricsUrl}/v1/events`)).status).toBe(404);
    expect((await fetch(`${metricsUrl}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('while the public port keeps them for the admin', async () => {
    const refused = await fetch(`${baseUrl}/metrics`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });

  it('closes with the server', async () => {
    await server.drain();
    await expect(fetch(`${metricsUrl}/metrics`)).rejects.toThrow();
  });
});
