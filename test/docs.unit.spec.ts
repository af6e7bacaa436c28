import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles, generatedSections, tableRows, withSection } from '../scripts/generatedDocs.ts';
import { shellBlocks } from './support/markdown.ts';

const root = resolve(import.meta.dirname, '..');

describe('generated docs', () => {
  it.each(generatedSections)('$file section $name matches the code (npm run docs rewrites it)', (section) => {
    const text = readFileSync(section.file, 'utf8');
    expect(withSection(text, section)).toBe(text);
  });

  it.each(generatedFiles)('$file matches the code (npm run docs rewrites it)', (generated) => {
    expect(readFileSync(join(root, generated.file), 'utf8')).toBe(generated.render());
  });
});

describe('README and docs/operations.md agree', () => {
  const operations = readFileSync(join(root, 'docs/operations.md'), 'utf8');
  const firstCells = (heading: string) =>
    tableRows(operations, heading)
      .slice(2)
      .flatMap((row) => [...row.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!));

  it('documents in operations.md every environment variable src/main.ts reads', () => {
    const main = readFileSync(join(root, 'src/main.ts'), 'utf8');
    const read = new Set([...main.matchAll(/\benv(?:\.|\[['"])([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]!));
    expect(read.size).toBeGreaterThan(10);
    expect([...read].filter((variable) => !firstCells('Configuration').includes(variable))).toEqual([]);
  });

  it("lists README's two commands in operations.md's table of commands", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const commands = firstCells('Running');
    const twoCommands = shellBlocks(readme).filter((block) => !block.includes('\n'));
    expect(twoCommands).toEqual(['npm install && npm start', 'npm test']);
    for (const command of twoCommands) expect(commands).toContain(command);
  });
});

/** Every file under `dir` (relative to the root) whose name passes `keep`, skipping what git and builds leave. */
const filesUnder = (dir: string, keep: (name: string) => boolean): string[] => {
  const skipped = new Set(['node_modules', '.git', 'data', 'dist', 'coverage', 'test-artifacts', 'results']);
  const found: string[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(join(root, at))) {
      const path = join(at, name);
      if (statSync(join(root, path)).isDirectory()) {
        if (!skipped.has(name)) walk(path);
      } else if (keep(name)) found.push(path);
    }
  };
  walk(dir);
  return found;
};

const markdownFiles = ['README.md', ...filesUnder('docs', (name) => name.endsWith('.md')), 'client-sdk/README.md'];

/** Link targets in Markdown (`[text](target)`, `![alt](target)`, `[ref]: target`) and HTML (`href=`, `src=`). */
const linkTargets = (text: string): string[] => [
  ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!),
  ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((match) => match[1]!),
  ...[...text.matchAll(/(?:href|src)\s*=\s*["']([^"']+)["']/g)].map((match) => match[1]!),
];

describe('links in the docs stay in the repository', () => {
  it.each(markdownFiles)('%s links only to files of the repository that exist (or to web addresses)', (file) => {
    const broken = linkTargets(readFileSync(join(root, file), 'utf8'))
      .filter((target) => !/^(https?:|mailto:|#)/.test(target))
      .map((target) => target.split('#')[0]!)
      .filter((target) => {
        const path = resolve(root, dirname(file), decodeURI(target));
        const inside = !relative(root, path).startsWith('..') && !target.startsWith('/');
        return !inside || !existsSync(path);
      });
    expect(broken).toEqual([]);
  });

  it('nothing in the repository points at the shared folder outside it', () => {
    // Built from parts, so this file does not name what it looks for.
    const outside = ['../' + 'shared', '/work/' + 'shared'];
    const text = (name: string) => /\.(md|ts|mjs|js|json|html|css|sh|ya?ml)$/.test(name) || name === 'run';
    const offenders = filesUnder('.', text).filter((file) =>
      outside.some((needle) => readFileSync(join(root, file), 'utf8').includes(needle)),
    );
    expect(offenders).toEqual([]);
  });

  it('no file holds a merge conflict left unresolved', () => {
    const text = (name: string) => /\.(md|ts|mjs|js|json|html|css|sh|ya?ml)$/.test(name) || name === 'run';
    const marker = new RegExp(`^(${'<'.repeat(7)} |${'>'.repeat(7)} |${'='.repeat(7)}$)`, 'm');
    const conflicted = filesUnder('.', text).filter((file) => marker.test(readFileSync(join(root, file), 'utf8')));
    expect(conflicted).toEqual([]);
  });
});
