import type pg from 'pg';
import type { QueryOptions } from '../sqlClient.ts';

/**
 * The name a prepared statement goes by, the same for the same text on every connection of this process (a driver
 * refuses one name for two texts). The texts are the few fixed statements callers mark `prepare`.
 */
const preparedNames = new Map<string, string>();
function preparedName(sql: string): string {
  let name = preparedNames.get(sql);
  if (name === undefined) {
    name = `seatactor_${preparedNames.size + 1}`;
    preparedNames.set(sql, name);
  }
  return name;
}

/**
 * A statement for node-postgres. One marked `prepare` is named: the driver parses it once per connection and then
 * sends only Bind and Execute, so the server no longer parses and analyses it each time (and plans it once, when a
 * generic plan is as good as the custom ones). Its result is the same.
 */
export const queryConfig = (
  sql: string,
  params: readonly unknown[],
  types: pg.CustomTypesConfig,
  options?: QueryOptions,
): pg.QueryConfig => ({
  ...(options?.prepare === true ? { name: preparedName(sql) } : {}),
  text: sql,
  values: [...params],
  types,
});
