import type { StoreConfig } from './startServer.ts';

/**
 * Where the data lives, from the environment's variables (given, not read: src/main.ts and the operator scripts pass
 * theirs). DATABASE_URL: one Postgres, or several comma-separated (shards), tables in DATABASE_SCHEMA when set; unset:
 * the embedded store under DATA_DIR (default ./data).
 */
export const storeConfigOf = (env: Readonly<Record<string, string | undefined>>): StoreConfig => {
  const urls = (env.DATABASE_URL ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0);
  const schema = env.DATABASE_SCHEMA ? { schema: env.DATABASE_SCHEMA } : {};
  const [first] = urls;
  if (first === undefined) return { kind: 'pglite', dataDir: env.DATA_DIR ?? './data' };
  if (urls.length === 1) return { kind: 'postgres', url: first, ...schema };
  return { kind: 'sharded', shards: urls.map((url) => ({ kind: 'postgres', url, ...schema })) };
};
