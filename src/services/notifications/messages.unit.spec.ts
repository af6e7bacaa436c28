import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WaitlistOffered } from '../../domain/notifications/notifications.ts';
import { createTicketSigner } from '../../payments/tickets.ts';
import { createMessages, eventNamesKeptMax } from './messages.ts';

const offer = (eventId: string, holdId: string): WaitlistOffered => ({
  key: `waitlist_offer:${eventId}:${holdId}`,
  topic: 'waitlist_offer',
  userId: 'u_1',
  eventId,
  at: 0,
  data: { entryId: `${eventId}.wl1`, holdId, seatIds: ['A1'], quantity: 1, expiresAt: Date.UTC(2027, 0, 1) },
});

const setup = async (names: ReadonlyMap<string, string>) => {
  const signer = await createTicketSigner(generateKeyPairSync('ed25519').privateKey);
  const reads: string[] = [];
  const messages = createMessages({
    signer,
    eventName: async (eventId) => {
      reads.push(eventId);
      return names.get(eventId);
    },
  });
  return { messages, reads };
};

describe('message rendering and the catalog', () => {
  it("reads an event's name once, not once per message", async () => {
    const { messages, reads } = await setup(new Map([['evt_a', 'Night A']]));
    const rendered = await Promise.all(Array.from({ length: 5 }, (_, i) => messages.render(offer('evt_a', `h${i}`))));
    await messages.render(offer('evt_a', 'h9'));
    expect(rendered.map((message) => message.subject)).toEqual(Array(5).fill('Seats for you: Night A'));
    // The five at once may each miss (none had answered yet); the one after finds it.
    expect(reads.length).toBeLessThanOrEqual(5);
    const before = reads.length;
    await messages.render(offer('evt_a', 'h10'));
    expect(reads.length).toBe(before);
  });

  it('keeps a bounded number of names, and does not keep an unknown event', async () => {
    const events = Array.from({ length: eventNamesKeptMax + 1 }, (_, i) => `evt_${i}`);
    const { messages, reads } = await setup(new Map(events.map((eventId) => [eventId, `Night ${eventId}`])));
    for (const eventId of events) await messages.render(offer(eventId, 'h'));
    expect(reads).toHaveLength(events.length);
    // The first was dropped for the last; the second is still kept.
    await messages.render(offer('evt_1', 'h'));
    await messages.render(offer('evt_0', 'h'));
    expect(reads.slice(events.length)).toEqual(['evt_0']);
    const unknown = await messages.render(offer('evt_unknown', 'h'));
    await messages.render(offer('evt_unknown', 'h2'));
    expect(unknown.subject).toBe('Seats for you: evt_unknown');
    expect(reads.filter((eventId) => eventId === 'evt_unknown')).toHaveLength(2);
  });
});
