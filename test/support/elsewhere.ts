import { createSession } from '../../client-sdk/src/index.ts';
import { api } from './api.ts';
import { boundedFetch } from './bounded.ts';

/**
 * A buyer acting over REST from outside the browser under test (its session through the SDK, which solves the proof
 * of work when the server asks): what pages that watch an event must see happen "elsewhere".
 */
export const restBuyer = async (baseUrl: string) => {
  const rest = api(baseUrl);
  const { token } = await createSession(baseUrl, { fetch: boundedFetch() });
  let requests = 0;
  const requestId = () => `elsewhere-${Date.now()}-${requests++}`;
  const ok = <T>(what: string, answer: { status: number; body: T }, status: number): T => {
    if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  return {
    token,
    hold: async (eventId: string, body: Record<string, unknown>): Promise<{ holdId: string }> =>
      ok('hold', await rest.hold(eventId, token, { ...body, requestId: requestId() }), 201),
    /** Joins the event's waiting room over REST. */
    joinQueue: async (eventId: string): Promise<{ queueId: string; state: string }> =>
      ok('queue', await rest.call('POST', `/v1/events/${eventId}/queue`, { requestId: requestId() }, token), 201),
    /** Orders a hold and pays it with the simulated provider's card that succeeds. */
    buy: async (holdId: string): Promise<{ orderId: string; status: string }> => {
      const order = ok<{ orderId: string }>(
        'order',
        await rest.call('POST', '/v1/orders', { holdId, requestId: requestId() }, token),
        201,
      );
      return ok(
        'pay',
        await rest.call('POST', `/v1/orders/${order.orderId}/pay`, { paymentMethod: 'pm_card_visa' }, token),
        200,
      );
    },
  };
};
