import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app/startServer.ts';
import { operations } from '../src/contract/api.ts';
import { openApiDocument, openApiText } from '../src/contract/openapi.ts';
import { startTestServer } from './support/testServer.ts';

/**
 * Routes that are not the API: the catch-all that answers NOT_FOUND and the pages (web/), which serve HTML, scripts
 * and styles rather than JSON.
 */
const notApi = (pattern: string): boolean => pattern === '/*' || !/^\/(v1\/|healthz$|readyz$|metrics$)/.test(pattern);

describe('the OpenAPI document', () => {
  let server: RunningServer;
  let baseUrl: string;

  beforeAll(async () => {
    // With the pages, so every route the real server registers is seen.
    ({ server, baseUrl } = await startTestServer({ web: true }));
  });
  afterAll(async () => {
    await server.drain();
  });

  it('lists every API route the running server registered, and nothing it does not serve', () => {
    const registered = server.gateway.route.registered
      .filter(({ pattern }) => !notApi(pattern))
      .map(({ method, pattern }) => `${method.toUpperCase()} ${pattern}`)
      .sort();
    const documented = operations.map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort();
    expect(registered.length).toBeGreaterThan(20);
    expect(registered.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((route) => !registered.includes(route))).toEqual([]);
    const paths = Object.keys(openApiDocument().paths as object);
    for (const { path } of operations) expect(paths).toContain(path.replace(/:([A-Za-z]+)/g, '{$1}'));
  });

  it('is served at GET /v1/openapi.json as docs/openapi.json holds it, an OpenAPI 3.1 document', async () => {
    const response = await fetch(`${baseUrl}/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const text = await response.text();
    expect(text).toBe(openApiText());
    expect(JSON.parse(text)).toMatchObject({ openapi: '3.1.0', info: { title: 'seatactor' } });
  });
});
