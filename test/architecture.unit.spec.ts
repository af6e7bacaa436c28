import { readdirSync, readFileSync } from 'node:fs';
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
