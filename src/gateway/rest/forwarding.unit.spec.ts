import { describe, expect, it } from 'vitest';
import { eventOfRequest } from './forwarding.ts';
import type { RequestHead } from './routes.ts';

const head = (method: string, route: string, params: Record<string, string> = {}): RequestHead => ({
  method,
  route,
  url: route,
  query: new URLSearchParams(),
  headers: {},
  params,
  token: undefined,
  client: '127.0.0.1',
});
const none = Buffer.alloc(0);

describe('eventOfRequest: which event’s owner serves a REST request', () => {
  it('names the event of event routes, holds, orders, tickets, check-ins, Stripe webhooks and waitlist entries', () => {
    expect(eventOfRequest(head('POST', '/v1/events/:id/holds', { id: 'evt_1' }), none)).toBe('evt_1');
    expect(eventOfRequest(head('GET', '/v1/events/:id/seatmap', { id: 'evt_1' }), none)).toBe('evt_1');
    expect(eventOfRequest(head('POST', '/v1/events/:id/queue', { id: 'evt_1' }), none)).toBe('evt_1');
    expect(eventOfRequest(head('DELETE', '/v1/holds/:holdId', { holdId: 'evt_1.hold_x' }), none)).toBe('evt_1');
    expect(eventOfRequest(head('POST', '/v1/orders/:id/pay', { id: 'evt_2.ord_y' }), none)).toBe('evt_2');
    expect(eventOfRequest(head('DELETE', '/v1/waitlist/:entryId', { entryId: 'evt_3.wl_z' }), none)).toBe('evt_3');
    expect(eventOfRequest(head('GET', '/v1/tickets/:id/qr', { id: 'evt_4.ord_y-1' }), none)).toBe('evt_4');
    const body = Buffer.from(JSON.stringify({ holdId: 'evt_3.hold_z', requestId: 'r' }));
    expect(eventOfRequest(head('POST', '/v1/orders'), body)).toBe('evt_3');
    // A ticket code (compact JWS): the event its payload names.
    const payload = Buffer.from(JSON.stringify({ ticketId: 't', eventId: 'evt_5', orderId: 'o' })).toString(
      'base64url',
    );
    const checkIn = Buffer.from(JSON.stringify({ code: `eyJhbGciOiJFZERTQSJ9.${payload}.c2ln`, gate: 'A' }));
    expect(eventOfRequest(head('POST', '/v1/checkins'), checkIn)).toBe('evt_5');
    const webhook = Buffer.from(
      JSON.stringify({ type: 'x', data: { object: { metadata: { orderId: 'evt_6.ord_z' } } } }),
    );
    expect(eventOfRequest(head('POST', '/v1/payments/stripe/webhook'), webhook)).toBe('evt_6');
  });

  it('leaves to any node what no actor serves, and bodies it cannot read', () => {
    expect(eventOfRequest(head('GET', '/v1/events/:id', { id: 'evt_1' }), none)).toBeUndefined();
    expect(eventOfRequest(head('GET', '/v1/events/:id/owner', { id: 'evt_1' }), none)).toBeUndefined();
    expect(eventOfRequest(head('GET', '/v1/events/:id/layout', { id: 'evt_1' }), none)).toBeUndefined();
    expect(eventOfRequest(head('GET', '/v1/events/:id/replay', { id: 'evt_1' }), none)).toBeUndefined();
    expect(eventOfRequest(head('POST', '/v1/sessions'), none)).toBeUndefined();
    expect(eventOfRequest(head('POST', '/v1/orders'), Buffer.from('{not json'))).toBeUndefined();
    expect(eventOfRequest(head('POST', '/v1/checkins'), Buffer.from('{"code":"no-dots"}'))).toBeUndefined();
    expect(eventOfRequest(head('POST', '/v1/payments/stripe/webhook'), Buffer.from('{"data":{}}'))).toBeUndefined();
    expect(eventOfRequest(head('POST', '/v1/checkins'), Buffer.from('{"code":"a.bm90IGpzb24.c"}'))).toBeUndefined();
    expect(eventOfRequest(head('DELETE', '/v1/holds/:holdId', { holdId: 'nodot' }), none)).toBeUndefined();
  });
});
