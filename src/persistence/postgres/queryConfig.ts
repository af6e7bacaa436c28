import type pg from 'pg';
import { preparedName, type QueryOptions } from '../sqlClient.ts';

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
