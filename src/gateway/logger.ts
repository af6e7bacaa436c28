import { type DestinationStream, type Level, type Logger, pino } from 'pino';

export type { Logger } from 'pino';
export type LogLevel = Level | 'silent';

/** The destination is injectable so tests can capture lines; by default pino writes JSON lines to stdout. */
export const createLogger = (level: LogLevel = 'info', destination?: DestinationStream): Logger =>
  destination
    ? pino({ level, base: { service: 'gateway' } }, destination)
    : pino({ level, base: { service: 'gateway' } });
