/**
 * The environment's values as the server takes them: each checked, so a mistyped one stops the start with its name and
 * what it must be, instead of running with NaN (a limit that never limits) or a silent default. Unset or empty: undefined.
 */

/** A setting the server cannot start with: main.ts prints its message alone (an operator's mistake, not a bug). */
export class ConfigError extends Error {}

/** A whole number from `min` to `max` (both included). */
export const wholeNumberOf = (
  name: string,
  value: string | undefined,
  {
    min = 0,
    max = Number.MAX_SAFE_INTEGER,
    meaning = '',
  }: Readonly<{ min?: number; max?: number; meaning?: string }> = {},
): number | undefined => {
  if (value === undefined || value === '') return undefined;
  const number = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max))
    throw new ConfigError(
      `${name} must be a whole number from ${min} to ${max}${meaning === '' ? '' : ` (${meaning})`}, not ${JSON.stringify(value)}`,
    );
  return number;
};

/** A positive whole number. */
export const countOf = (name: string, value: string | undefined): number | undefined =>
  wholeNumberOf(name, value, { min: 1 });

/** An on/off switch: `on` or `off`, `fallback` when unset. */
export const switchOf = (name: string, value: string | undefined, fallback: boolean): boolean => {
  if (value === undefined || value === '') return fallback;
  if (value !== 'on' && value !== 'off')
    throw new ConfigError(`${name} must be on or off, not ${JSON.stringify(value)}`);
  return value === 'on';
};
