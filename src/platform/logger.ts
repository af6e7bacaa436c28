import { type DestinationStream, type Level, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';
export type LogLevel = Level | 'silent';

/** The destination is injectable so tests can capture lines; by default pino writes JSON lines to stdout. */
export const createLogger = (level: LogLevel = 'info', destination?: DestinationStream): Logger =>
  destination
    ? pino({ level, base: { service: 'gateway' } }, destination)
    : pino({ level, base: { service: 'gateway' } });

/**
 * Readable, coloured lines for a person at a terminal (pino-pretty). Synchronous, so the last lines before an exit
 * are not lost; machines (a pipe, a file, a log shipper) get pino's JSON lines instead.
 */
export const terminalDestination = (): DestinationStream =>
  pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
