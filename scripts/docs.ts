/**
 * `npm run docs`: rewrites the generated parts of the docs (scripts/generatedDocs.ts) from the code.
 * `npm run docs -- --check` changes nothing and exits 1 when one is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { generatedSections, withSection } from './generatedDocs.ts';

const check = process.argv.includes('--check');
let stale = 0;
for (const section of generatedSections) {
  const before = readFileSync(section.file, 'utf8');
  const after = withSection(before, section);
  if (after === before) continue;
  stale += 1;
  if (check) console.error(`${section.file}: section ${section.name} is stale; run npm run docs`);
  else {
    writeFileSync(section.file, after);
    console.log(`${section.file}: section ${section.name} rewritten`);
  }
}
if (check && stale > 0) process.exit(1);
