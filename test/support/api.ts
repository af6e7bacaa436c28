import type { Venue } from '../../src/domain/venue.ts';
import { fetchWithin, stepTimeoutMs } from './bounded.ts';
import { adminToken } from './serverProcess.ts';

/**
 * A thin REST client for tests: every call returns status and parsed body, never throws on 4xx. A call that gets no
 * whole answer within `timeoutMs` throws a StepTimeoutError naming its method and URL.
 */
export const api = (baseUrl: string, timeoutMs = stepTimeoutMs) => {
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const init = {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    };
    const { status, text } = await fetchWithin(
      `${baseUrl}${path}`,
      init,
      async (response) => ({ status: response.status, text: await response.text() }),
      timeoutMs,
    );
    // biome-ignore lint/suspicious/noExplicitAny: test bodies are checked by the assertions that read them.
    return { status, body: (text ? JSON.parse(text) : undefined) as any };
  };
  return {
    call,
    session: async (): Promise<{ token: string; userId: string }> => (await call('POST', '/v1/sessions')).body,
    createVenue: async (venue: Omit<Venue, 'id'>): Promise<string> => {
      const { status, body } = await call('POST', '/v1/venues', venue, adminToken);
      if (status !== 201) throw new Error(`venue: ${status} ${JSON.stringify(body)}`);
      return body.id;
    },
    createEvent: async (event: Record<string, unknown>): Promise<string> => {
      const { status, body } = await call('POST', '/v1/events', event, adminToken);
      if (status !== 201) throw new Error(`event: ${status} ${JSON.stringify(body)}`);
      return body.id;
    },
    seatMap: async (eventId: string) => (await call('GET', `/v1/events/${eventId}/seatmap`)).body,
    hold: (eventId: string, token: string, body: Record<string, unknown>) =>
      call('POST', `/v1/events/${eventId}/holds`, body, token),
    release: (holdId: string, token: string) => call('DELETE', `/v1/holds/${holdId}`, undefined, token),
  };
};

/** A seated venue body for the REST API: `rows` rows of `seatsPerRow`, tier P in front, S behind, and a GA floor. */
export const venueBody = (rows = 10, seatsPerRow = 20): Omit<Venue, 'id'> => ({
  name: 'Load Hall',
  sections: [
    {
      id: 'ORCH',
      name: 'Orchestra',
      kind: 'seated',
      rows: Array.from({ length: rows }, (_, r) => ({
        id: `R${r + 1}`,
        seats: Array.from({ length: seatsPerRow }, (_, s) => ({
          id: `ORCH-${r + 1}-${s + 1}`,
          priceTier: r < 3 ? 'P' : 'S',
        })),
      })),
    },
    { id: 'FLOOR', name: 'Floor', kind: 'general', capacity: 100, priceTier: 'GA' },
  ],
});

export const priceTiers = {
  P: { amount: 12000, currency: 'EUR' },
  S: { amount: 6000, currency: 'EUR' },
  GA: { amount: 3000, currency: 'EUR' },
};

/**
 * An event body at `venueId` starting a day from now on the wall clock, with the usual tiers and any other fields
 * given (a sale start, a waiting room): the arrange step of the specs whose servers run on the system clock.
 */
export const eventTomorrow = (venueId: string, name: string, more: Record<string, unknown> = {}) => ({
  venueId,
  name,
  startsAt: new Date(Date.now() + 86_400_000).toISOString(),
  priceTiers,
  ...more,
});
