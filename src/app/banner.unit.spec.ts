import { describe, expect, it } from 'vitest';
import { banner, browserUrl } from './banner.ts';

describe('the start banner', () => {
  it('shows the URL, a generated admin token, the data folder, the demo event and how to stop', () => {
    const text = banner({
      url: 'http://localhost:8080/',
      generatedAdminToken: 'tok123',
      store: '/srv/data (embedded PGlite)',
      demoEvent: { name: 'Demo Night', url: 'http://localhost:8080/?event=demo', saleOpensAt: undefined },
      pid: 4242,
    });
    expect(text).toContain('open         http://localhost:8080/');
    expect(text).toContain('admin token  tok123  (generated for this run; set ADMIN_TOKEN to choose one)');
    expect(text).toContain('data         /srv/data (embedded PGlite)');
    expect(text).toContain('demo event   Demo Night (on sale): http://localhost:8080/?event=demo');
    expect(text).toContain('kill 4242');
  });

  it('never prints a token the operator chose, and says when a sale opens', () => {
    const text = banner({
      url: 'http://10.0.0.5:9000/',
      generatedAdminToken: undefined,
      store: 'Postgres',
      demoEvent: { name: 'Demo Night', url: 'u', saleOpensAt: '2030-01-01T10:00:00.000Z' },
      pid: 1,
    });
    expect(text).toContain('admin token  from ADMIN_TOKEN');
    expect(text).toContain('sale opens 2030-01-01T10:00:00.000Z');
  });

  it('names a wildcard listen address as localhost', () => {
    expect(browserUrl('0.0.0.0', 8080)).toBe('http://localhost:8080/');
    expect(browserUrl('::', 80)).toBe('http://localhost:80/');
    expect(browserUrl('127.0.0.1', 1)).toBe('http://127.0.0.1:1/');
    expect(browserUrl('::1', 1)).toBe('http://[::1]:1/');
  });
});
