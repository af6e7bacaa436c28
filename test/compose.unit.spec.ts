import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The deployment files, checked without a Docker engine (none runs here): docker-compose.yml against the Compose
 * Specification's JSON schema (vendored: test/fixtures/compose/), and what the topology promises (three cluster
 * nodes with one configuration but their own ids, nginx in front of all three, a non-root multi-stage image with
 * node as PID 1 and a /readyz health check). test/clusterNginx.int.spec.ts runs the same topology as processes.
 */
const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const schema = JSON.parse(read('test/fixtures/compose/compose-spec.schema.json'));
// biome-ignore lint/suspicious/noExplicitAny: a parsed YAML document, read by the assertions below.
const compose = parse(read('docker-compose.yml'), { merge: true }) as any;

// The file names its draft as `http://…/2019-09/schema#` and itself with draft-04's `id`; Ajv's 2019-09 class knows
// the draft by its https id and is that draft already, so both names are left out rather than resolved.
// Its definitions carry draft-04 `id`s too (`#/definitions/service`): redundant with their place, so dropped as well.
const withoutIds = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutIds(value)]),
  );
};
const { $schema: _draft, ...compiled } = withoutIds(schema) as Record<string, unknown>;
const validator = () => new Ajv2019({ strict: false, allErrors: true }).compile(compiled);

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const validate = validator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('would be refused by the schema with a misspelt key (the check can fail)', () => {
    const validate = validator();
    const broken = structuredClone(compose);
    broken.services.node1.enviroment = { NODE_ID: 'node1' };
    expect(validate(broken)).toBe(false);
  });

  it('runs Postgres, Redis, three cluster nodes sharing one configuration under their own ids, and nginx', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['lb', 'node1', 'node2', 'node3', 'postgres', 'redis']);
    const nodes = ['node1', 'node2', 'node3'].map((name) => compose.services[name]);
    for (const [index, node] of nodes.entries()) {
      expect(node.build).toBe('.');
      expect(node.environment).toMatchObject({
        CLUSTER_MODE: 'redis',
        NODE_ID: `node${index + 1}`,
        NODE_URL: `http://node${index + 1}:8080`,
        REDIS_URL: 'redis://redis:6379',
        TRUST_PROXY: '1',
      });
      expect(node.environment.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
      expect(node.depends_on).toMatchObject({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    }
    const shared = ({ NODE_ID, NODE_URL, ...rest }: Record<string, string>) => rest;
    expect(shared(nodes[1].environment)).toEqual(shared(nodes[0].environment));
    expect(shared(nodes[2].environment)).toEqual(shared(nodes[0].environment));
    expect(compose.services.lb.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
  });
});

describe('deploy/nginx.conf', () => {
  it('balances over all three nodes, passes WebSocket upgrades and the client address', () => {
    const conf = read('deploy/nginx.conf');
    expect([...conf.matchAll(/^\s*server (node\d):8080/gm)].map((match) => match[1])).toEqual([
      'node1',
      'node2',
      'node3',
    ]);
    expect(conf).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(conf).toMatch(/proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
    expect(conf).toMatch(/hash \$seatactor_key consistent;/);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('is multi-stage, runs as the node user with node itself as PID 1, and is healthy when /readyz says so', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^COPY --from=deps /m);
    const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((match) => match[1]);
    expect(users.at(-1)).toBe('node');
    expect(dockerfile).toMatch(/^CMD \["node", /m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/readyz/m);
  });
});
