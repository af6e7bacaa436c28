import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverNodeOptions } from './support/serverProcess.ts';

const root = resolve(import.meta.dirname, '..');

describe('the server runs with the same V8 flags wherever it is started', () => {
  it('npm start, the image and the test and benchmark servers pass serverNodeOptions', () => {
    const start = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start as string;
    expect(start).toBe(`exec node ${serverNodeOptions} --import tsx src/main.ts`);
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual([
      'node',
      ...serverNodeOptions.split(' '),
      '--import',
      'tsx',
      'src/main.ts',
    ]);
  });
});
