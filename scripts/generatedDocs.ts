import { readFileSync } from 'node:fs';
import { apiReferenceMarkdown } from '../src/contract/apiReference.ts';
import { bookingErrorMeanings } from '../src/contract/errorCodes.ts';
import { openApiDocument, openApiText } from '../src/contract/openapi.ts';
import { bookingErrorCodes } from '../src/domain/bookingError.ts';
import { httpStatusByCode } from '../src/gateway/http.ts';

/**
 * Parts of the docs that are generated from the code, so they cannot drift from it. Each lives between two marker
 * comments in its file; `npm run docs` rewrites them and test/docs.unit.spec.ts fails while one is stale.
 */
export type GeneratedSection = Readonly<{ file: string; name: string; render: () => string }>;

/** The error table of docs/api.md: every code of the one list, its HTTP status and its meaning, by status. */
export const errorTable = (): string => {
  const rows = bookingErrorCodes
    .map((code, index) => ({ code, index, status: httpStatusByCode[code] }))
    .sort((a, b) => a.status - b.status || a.index - b.index)
    .map(({ code, status }) => `| \`${code}\` | ${status} | ${bookingErrorMeanings[code]} |`);
  return ['| Code | Status | Meaning |', '|---|---|---|', ...rows].join('\n');
};

/** The rows of the first Markdown table under `## heading` in `text`, each as its raw line. */
export const tableRows = (text: string, heading: string): string[] => {
  const from = text.indexOf(`\n## ${heading}\n`);
  if (from === -1) throw new Error(`no section ## ${heading}`);
  const lines = text
    .slice(from + 1)
    .split('\n')
    .slice(1);
  const start = lines.findIndex((line) => line.startsWith('|'));
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('|'));
  return lines.slice(start, end === -1 ? undefined : end);
};

/** The variables a newcomer meets first; every other one is in docs/operations.md only. */
export const readmeVariables = ['`PORT`, `HOST`', '`DATA_DIR`', '`DATABASE_URL`', '`ADMIN_TOKEN`', '`JWT_SECRET`'];

/** README's configuration table: the header and those variables' rows, copied from docs/operations.md. */
export const readmeConfigurationTable = (): string => {
  const [header, rule, ...rows] = tableRows(readFileSync('docs/operations.md', 'utf8'), 'Configuration');
  const picked = readmeVariables.map((variable) => {
    const row = rows.find((candidate) => candidate.startsWith(`| ${variable} |`));
    if (row === undefined) throw new Error(`docs/operations.md documents no ${variable}`);
    return row;
  });
  return [header, rule, ...picked].join('\n');
};

export const generatedSections: readonly GeneratedSection[] = [
  { file: 'docs/api.md', name: 'error-codes', render: errorTable },
  { file: 'README.md', name: 'configuration', render: readmeConfigurationTable },
];

/**
 * Whole files generated from the code: the OpenAPI document, from the zod schemas and the operations table, and its
 * readable rendering.
 */
export type GeneratedFile = Readonly<{ file: string; render: () => string }>;

export const generatedFiles: readonly GeneratedFile[] = [
  { file: 'docs/openapi.json', render: openApiText },
  { file: 'docs/api-reference.md', render: () => apiReferenceMarkdown(openApiDocument()) },
];

const markers = (name: string) => ({
  begin: `<!-- generated:${name} (npm run docs; edit the source, not this table) -->`,
  end: `<!-- /generated:${name} -->`,
});

/** The file's text with the section replaced by a fresh rendering; throws when the markers are missing. */
export const withSection = (text: string, section: GeneratedSection): string => {
  const { begin, end } = markers(section.name);
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`${section.file} lacks the markers ${begin} … ${end}`);
  return `${text.slice(0, from + begin.length)}\n${section.render()}\n${text.slice(to)}`;
};
