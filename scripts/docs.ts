/**
 * `npm run docs`: rewrites the generated parts of the docs (scripts/generatedDocs.ts) from the code.
 * `npm run docs -- --check` changes nothing and exits 1 when one is stale.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generatedFiles, generatedSections, withSection } from './generatedDocs.ts';

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
for (const generated of generatedFiles) {
  const after = generated.render();
  if (existsSync(generated.file) && readFileSync(generated.file, 'utf8') === after) continue;
  stale += 1;
  if (check) console.error(`${generated.file} is stale; run npm run docs`);
  else {
    writeFileSync(generated.file, after);
    console.log(`${generated.file} rewritten`);
  }
}
if (check && stale > 0) process.exit(1);
