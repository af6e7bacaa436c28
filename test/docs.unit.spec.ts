import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedSections, withSection } from '../scripts/generatedDocs.ts';

describe('generated docs', () => {
  it.each(generatedSections)('$file section $name matches the code (npm run docs rewrites it)', (section) => {
    const text = readFileSync(section.file, 'utf8');
    expect(withSection(text, section)).toBe(text);
  });
});
