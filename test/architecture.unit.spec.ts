import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = fileURLToPath(new URL('../.dependency-cruiser.cjs', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/layers/${name}/`, import.meta.url));

let options: Awaited<ReturnType<typeof extractDepcruiseOptions>>;
beforeAll(async () => {
  options = await extractDepcruiseOptions(config);
});

/** Cruises `src/` under a folder with the rules `npm run lint` uses: the violations found, as `rule: from → to`. */
const violationsUnder = async (baseDir: string): Promise<string[]> => {
  const { output } = await cruise(['src'], { ...options, validate: true, baseDir });
  const result = output as ICruiseResult;
  // A cruise that reads nothing would pass every rule: make sure it saw the tree.
  expect(result.summary.totalCruised).toBeGreaterThan(0);
  return result.summary.violations.map((violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`);
};

// Loading the TypeScript parser and reading all of src/ took 3.3 s on an idle machine; leave room for a loaded one.
const cruiseTimeoutMs = 60_000;

describe('the layer rules (.dependency-cruiser.cjs, run by npm run lint)', () => {
  it('refuse two files that import each other', { timeout: cruiseTimeoutMs }, async () => {
    expect(await violationsUnder(fixture('cycle'))).toEqual([
      'no-circular: src/services/holds.ts → src/services/orders.ts',
    ]);
  });

  it('refuse an import that points outward: a service importing the gateway', {
    timeout: cruiseTimeoutMs,
  }, async () => {
    expect(await violationsUnder(fixture('wrongDirection'))).toEqual([
      'services-imports-inward: src/services/orders.ts → src/gateway/orderRoutes.ts',
    ]);
  });

  it('refuse a domain module that imports anything but the domain and its pure libraries', {
    timeout: cruiseTimeoutMs,
  }, async () => {
    expect(await violationsUnder(fixture('impureDomain'))).toEqual([
      'domain-imports-only-domain: src/domain/order.ts → crypto',
    ]);
  });

  it('pass a tree whose imports all point inward', { timeout: cruiseTimeoutMs }, async () => {
    expect(await violationsUnder(fixture('clean'))).toEqual([]);
  });

  it('pass the real src/', { timeout: cruiseTimeoutMs }, async () => {
    expect(await violationsUnder(root)).toEqual([]);
  });
});

/** Source files of src/ (not specs, not test fixtures), relative to the repository. */
const sourceFiles = (dir: string): string[] =>
  readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.(ts|mjs)$/.test(entry.name) && !/(\.spec\.ts|Fixture\.ts)$/.test(entry.name) ? [relative] : [];
  });

describe('time', () => {
  it('is read through the Clock port: Date.now() appears only in src/platform/ and src/main.ts', () => {
    const readers = sourceFiles('src').filter(
      (file) =>
        !file.startsWith('src/platform/') &&
        file !== 'src/main.ts' &&
        readFileSync(path.join(root, file), 'utf8').includes('Date.now'),
    );
    expect(readers).toEqual([]);
  });
});

describe('docs/architecture.md', () => {
  const doc = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
  const layersBlock = doc.slice(doc.indexOf('## Layers'), doc.indexOf('## The actor loop'));
  // The worked example names files a waitlist would add; everything before it names files that exist.
  const describedToday = doc.slice(0, doc.indexOf('## Where a new feature goes'));

  it('draws the layers in the order .dependency-cruiser.cjs checks them', () => {
    // The layer rules, in order from the outermost: each one's `from` names its layer's folders.
    const { forbidden } = createRequire(import.meta.url)(config) as {
      forbidden: { name: string; from: { path?: string } }[];
    };
    const checked = forbidden
      .filter((rule) => rule.name.endsWith('-imports-inward'))
      .flatMap((rule) => [...(rule.from.path ?? '').matchAll(/([A-Za-z]+)\//g)].map((match) => match[1]!))
      .filter((folder) => folder !== 'src' && existsSync(path.join(root, 'src', folder)));
    const drawn = [...layersBlock.matchAll(/^ src\/([A-Za-z]+)\//gm)].map((match) => match[1]);
    expect(drawn).toEqual(checked);
  });

  it('names only files that exist in the layers and the request paths', () => {
    const folders = 'app|gateway|frontDoor|services|baselines|actors|persistence|payments|platform|contract|domain';
    const named = new Set(
      [...describedToday.matchAll(new RegExp(`(?:src/)?\\b((?:${folders})/[A-Za-z/]+\\.ts)\\b`, 'g'))].map(
        (match) => `src/${match[1]}`,
      ),
    );
    expect(named.size).toBeGreaterThan(20);
    expect([...named].filter((file) => !existsSync(path.join(root, file)))).toEqual([]);
  });
});
