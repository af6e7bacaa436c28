import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The SDK's core runs in browsers, Node and React Native: no DOM globals and no Node modules in its sources (the
 * journey spec runs it in Node without DOM globals; this keeps a `document` or a `node:` import from creeping in).
 */
const sources = readdirSync('client-sdk/src').filter((name) => name.endsWith('.ts') && !name.includes('.spec.'));

describe('the SDK core is portable', () => {
  it.each(sources)('%s uses no DOM globals and no Node-only modules', (name) => {
    const text = readFileSync(`client-sdk/src/${name}`, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(text).not.toMatch(/\b(window|document|localStorage|sessionStorage|navigator|HTMLElement)\b/);
    expect(text).not.toMatch(/from '(node:|fs|path|os|crypto|events|buffer)/);
    expect(text).not.toMatch(/\b(process|Buffer|require)\b/);
  });
});
