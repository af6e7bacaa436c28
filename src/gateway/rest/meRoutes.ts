import { z } from 'zod';
import { idSchema, parseContact, parseLimit, parseWith } from '../../contract/schemas.ts';
import { requireBuyer } from '../../frontDoor/identify.ts';
import type { Contacts } from '../../persistence/contacts.ts';
import type { BuyerItems, BuyerQuery } from '../../services/buyerItems.ts';
import { buyerQueryLimitMax } from '../../services/buyerItems.ts';
import { parseJson } from '../http.ts';
import type { Route } from './routes.ts';

export const buyerQueryLimitDefault = 50;
const cursorLengthMax = 512;

const querySchema = z.strictObject({
  eventId: idSchema.optional(),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be the `next` of a previous page')
    .max(cursorLengthMax)
    .optional(),
});

/** `?eventId=&limit=&cursor=`; anything else in the query is refused, so a typo is not silently ignored. */
const parseBuyerQuery = (query: URLSearchParams): BuyerQuery => {
  const { limit: rawLimit, ...rest } = Object.fromEntries(query);
  const { eventId, cursor } = parseWith(querySchema, rest);
  return {
    limit: parseLimit(rawLimit ?? null, buyerQueryLimitDefault, buyerQueryLimitMax),
    ...(eventId === undefined ? {} : { eventId }),
    ...(cursor === undefined ? {} : { cursor }),
  };
};

/** Buyer recovery: what the caller owns, across events, so a reload or a new device finds it (docs/api.md). */
export const registerMeRoutes = (
  route: Route,
  deps: Readonly<{ items: BuyerItems<unknown>; contacts: Contacts }>,
): void => {
  const { items, contacts } = deps;
  route('get', '/v1/me/holds', async ({ door, query }) => {
    const { userId } = requireBuyer(door.who);
    return { status: 200, json: await items.holdsOf(userId, parseBuyerQuery(query)) };
  });
  route('get', '/v1/me/orders', async ({ door, query }) => {
    const { userId } = requireBuyer(door.who);
    return { status: 200, json: await items.ordersOf(userId, parseBuyerQuery(query)) };
  });
  // Where to notify the buyer: replaced whole, so a channel left out is no longer used.
  route('put', '/v1/me/contact', async ({ door, body }) => {
    const { userId } = requireBuyer(door.who);
    const contact = parseContact(parseJson(body));
    await contacts.set(userId, contact);
    return { status: 200, json: contact };
  });
  route('get', '/v1/me/contact', async ({ door }) => {
    const { userId } = requireBuyer(door.who);
    return { status: 200, json: (await contacts.get(userId)) ?? {} };
  });
};
