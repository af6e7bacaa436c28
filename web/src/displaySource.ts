import type { LiveSeatMap, SeatChange, SeatStatusName, SeatView } from '../../client-sdk/src/index.ts';

export type SeatStatusChange = Pick<SeatChange, 'seatId' | 'status'>;

/**
 * Where the display's map comes from: the live seat-map stream, or the replay of the sale (displayReplay.ts). The page
 * draws either the same way: it loads `seats()`, applies each change, and reads counts and the instant from here.
 */
export interface DisplaySource {
  readonly mode: 'live' | 'replay';
  /** The stream version of the map shown. */
  version(): number;
  /** General-admission places left in a section. */
  available(sectionId: string): number | undefined;
  /** Every seat's status, for a whole load (seats left out are available). */
  seats(): Readonly<Record<string, Readonly<{ status: SeatStatusName }>>>;
  /** The instant the map shows: now when live. */
  now(): number;
  onChange(listener: (changes: readonly SeatStatusChange[]) => void): void;
  /** The map must be loaded again whole (a gap in the live stream). */
  onResync(listener: () => void): void;
}

/** The live seat map (the SDK's LiveSeatMap) as the display reads it. */
export const liveSource = (map: LiveSeatMap): DisplaySource => ({
  mode: 'live',
  version: () => map.version,
  available: (sectionId) => map.general[sectionId]?.available,
  seats: (): Readonly<Record<string, Pick<SeatView, 'status'>>> => map.seats,
  now: () => Date.now(),
  onChange: (listener) => map.on('change', (diff) => listener(diff.changes)),
  onResync: (listener) => map.on('resync', () => listener()),
});
