import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * Who is asking. With no trusted proxy, the peer's address. Behind `trustedProxyHops` proxies (load balancers that each
 * append the address they received from to X-Forwarded-For), the address the farthest of them saw: counted from the
 * right of the header, where the trusted proxies write, never from the left, which the client writes itself. A header
 * with fewer hops than trusted gives its left-most address (the request skipped a proxy or came in directly).
 * proxy-addr (Express's) does the parsing and the counting.
 */
export const clientAddress = (peer: string, forwardedFor: string | undefined, trustedProxyHops: number): string => {
  if (trustedProxyHops === 0) return peer;
  const request = { socket: { remoteAddress: peer }, headers: { 'x-forwarded-for': forwardedFor } };
  return proxyaddr(request as unknown as IncomingMessage, (_address, hop) => hop < trustedProxyHops);
};

/**
 * TRUST_PROXY: how many proxies in front of the server append to X-Forwarded-For. Unset, empty, `0` or `false`: none
 * (the peer is the client); `true` is one, as it always was; otherwise a whole number of hops.
 */
export const parseTrustedProxyHops = (value: string | undefined): number => {
  if (value === undefined || value === '' || value === 'false') return 0;
  if (value === 'true') return 1;
  if (!/^\d{1,2}$/.test(value)) {
    throw new Error(`TRUST_PROXY must be the number of proxy hops in front of the server (0, 1, 2, …), not ${value}`);
  }
  return Number(value);
};
