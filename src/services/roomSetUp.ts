import { randomBytes } from 'node:crypto';
import type { EventActor } from '../actors/eventActor.ts';
import { type RoomConfig, roomConfigOf } from '../domain/queue/room.ts';
import { seedBytesLength } from '../domain/queue/shuffle.ts';
import type { EventConfig } from '../domain/venue.ts';

/** The room's settings from the event's catalog entry (`waitingRoom` and `saleStartsAtMs`), defaults filled. */
export const roomConfigOfEvent = (event: EventConfig): RoomConfig | undefined => {
  const settings = event.waitingRoom;
  if (settings === undefined || event.saleStartsAtMs === null) return undefined;
  return roomConfigOf({
    enabled: settings.enabled,
    saleStartsAt: event.saleStartsAtMs,
    ...(settings.preQueueOpensAtMs === undefined ? {} : { preQueueOpensAt: settings.preQueueOpensAtMs }),
    ...(settings.admittedMax === undefined ? {} : { admittedMax: settings.admittedMax }),
    ...(settings.admissionSeconds === undefined ? {} : { admissionSeconds: settings.admissionSeconds }),
    ...(settings.riskyHeldBackSeconds === undefined ? {} : { riskyHeldBackSeconds: settings.riskyHeldBackSeconds }),
  });
};

/**
 * Sets up the waiting room of an event whose catalog entry asks for one and whose log has none yet: at creation,
 * and again at any activation (so an event created while the store failed half-way still gets its room). The seed
 * is drawn here, in the shell, and its commitment is in the log (and published) from this append on.
 */
export const setUpRoomIfMissing = async (actor: EventActor): Promise<void> => {
  const config = await actor.read((state) =>
    state.queue.room === undefined ? roomConfigOfEvent(state.config) : undefined,
  );
  if (config === undefined) return;
  const seed = randomBytes(seedBytesLength).toString('hex');
  await actor.send((now) => ({ type: 'SetUpRoom', data: { config, seed, now } }));
};

/** One set-up per actor however many ask at once (creation and the activation listener race for a new event). */
export const roomSetUps = () => {
  const running = new WeakMap<EventActor, Promise<void>>();
  return (actor: EventActor): Promise<void> => {
    let setUp = running.get(actor);
    if (setUp === undefined) {
      setUp = setUpRoomIfMissing(actor);
      running.set(actor, setUp);
      setUp.catch(() => running.delete(actor));
    }
    return setUp;
  };
};
