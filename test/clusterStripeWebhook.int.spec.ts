import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeStripe } from './stripe/fakeStripe.ts';
import { api, eventTomorrow, venueBody } from './support/api.ts';
import { type ClusterNode, ownerOf, startCluster, type TestCluster, waitFor } from './support/cluster.ts';

/**
 * Stripe sends its webhooks to whichever node the load balancer picks: a webhook for an order at an event another node
 * runs is applied there (forwarded with its Stripe-Signature, verified by the owner), not refused. Two nodes as real
 * processes on a schema and key prefix of their own, Stripe played by test/stripe/fakeStripe.ts.
 */
const webhookSecret = 'whsec_cluster';
let fake: Awaited<ReturnType<typeof startFakeStripe>>;
let cluster: TestCluster;
beforeAll(async () => {
  fake = await startFakeStripe(webhookSecret);
  cluster = await startCluster(['p1', 'p2'], {
    env: {
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_fake',
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_BASE: fake.url,
    },
  });
}, 90_000);
afterAll(async () => {
  await cluster?.close();
  await fake?.close();
});

describe('a Stripe webhook on a node that does not run the event', () => {
  it("is applied by the event's owner: the order succeeds and its seat is sold", async () => {
    const admin = api(cluster.nodes[0]!.baseUrl);
    const venueId = await admin.createVenue(venueBody(1, 4));
    const eventId = await admin.createEvent(eventTomorrow(venueId, 'Webhooks across nodes'));
    const ownerId = await waitFor('the event on its preferred node', 10_000, async () => {
      await admin.seatMap(eventId);
      const owner = await ownerOf(cluster.nodes[0]!.baseUrl, eventId);
      return owner.nodeId !== null && owner.nodeId === owner.preferredNodeId ? owner.nodeId : undefined;
    });
    const other = cluster.nodes.find((node) => node.nodeId !== ownerId) as ClusterNode;
    fake.setWebhookUrl(`${other.baseUrl}/v1/payments/stripe/webhook`);

    const client = api(other.baseUrl);
    const buyer = await admin.session();
    const held = await client.hold(eventId, buyer.token, { seatIds: ['ORCH-1-1'], requestId: 'h' });
    expect(held.status).toBe(201);
    const placed = await client.call('POST', '/v1/orders', { holdId: held.body.holdId, requestId: 'o' }, buyer.token);
    expect(placed.status).toBe(201);
    const read = async () =>
      (await client.call('GET', `/v1/orders/${placed.body.orderId}`, undefined, buyer.token)).body;
    const paymentId = (await read()).payment.paymentId as string;

    // The buyer's page confirms with Stripe; Stripe tells the node that does not run the event.
    const browser = new Stripe('pk_test_fake', {
      host: '127.0.0.1',
      port: Number(new URL(fake.url).port),
      protocol: 'http',
    });
    await browser.paymentIntents.confirm(paymentId, { payment_method: 'pm_card_visa' });
    const order = await waitFor('the order paid through the webhook', 10_000, async () => {
      const seen = await read();
      return seen.status === 'succeeded' ? seen : undefined;
    });
    expect(order.tickets).toHaveLength(1);
    expect((await client.seatMap(eventId)).seats['ORCH-1-1'].status).toBe('sold');
    // Stripe's redelivery of the same event is acknowledged, through the same node.
    expect(await fake.redeliver(fake.events.at(-1)!)).toBe(200);
  }, 60_000);
});
