/**
 * What the store can keep. Postgres (and PGlite) refuse two things in json/jsonb and text: NUL (`\u0000`: 22P05 in
 * jsonb, 22021 in text) and a lone UTF-16 surrogate (22P02: JSON.stringify writes it as a `\ud800` escape, which
 * Postgres rejects). One such string in one event fails the whole append, and with it every other buyer's command of
 * the batch, so every layer asks this one question: the gateway's schemas, the actor before a command joins a batch,
 * and the in-memory store (which must refuse what Postgres refuses, or tests on it would hide the fault).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the two things it looks for.
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Any NUL or surrogate: a plain character class, so the common case (no such character) is one fast scan. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters it looks for.
const suspect = /[\u0000\ud800-\udfff]/;

/** Well-formed UTF-16 (every surrogate in a pair) and no NUL. */
export const isStorableText = (text: string): boolean => !suspect.test(text) || !unstorable.test(text);

/** Says why a string was refused, in words a client can act on. */
export const unstorableMessage = 'must be well-formed Unicode text without NUL (no lone surrogate, no \\u0000)';

/** A command is a few levels deep; nesting past this is refused rather than walked. */
export const storableDepthMax = 32;

/**
 * The path of the first string (value or key) in a JSON-like value that the store could not keep, or undefined when
 * every string is storable ('' when the value itself is the string). Walks arrays and objects; other values
 * (numbers, booleans, null, undefined) are fine. Nesting deeper than `depthMax` counts as unstorable.
 */
export const unstorableTextPath = (value: unknown, depthMax = storableDepthMax): string | undefined => {
  if (typeof value === 'string') return isStorableText(value) ? undefined : '';
  if (typeof value !== 'object' || value === null) return undefined;
  if (depthMax <= 0) return '';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner = unstorableTextPath(value[i], depthMax - 1);
      if (inner !== undefined) return join(String(i), inner);
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!isStorableText(key)) return join('(a key)', '');
    const inner = unstorableTextPath((value as Record<string, unknown>)[key], depthMax - 1);
    if (inner !== undefined) return join(key, inner);
  }
  return undefined;
};

const join = (head: string, tail: string): string => (tail === '' ? head : `${head}.${tail}`);
