import { describe, expect, it } from 'vitest';
import { clientAddress, parseTrustedProxyHops } from './clientAddress.ts';

const balancer = '10.0.0.2';

describe('the client address for rate limits', () => {
  it('is the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.1', 0)).toBe('203.0.113.9');
  });

  it('behind one proxy is the right-most hop, the one the proxy wrote, not the left-most the client wrote', () => {
    // The client sent `X-Forwarded-For: 1.2.3.4` itself; the balancer appended the address it saw.
    expect(clientAddress(balancer, '1.2.3.4, 198.51.100.7', 1)).toBe('198.51.100.7');
    expect(clientAddress(balancer, '198.51.100.7', 1)).toBe('198.51.100.7');
  });

  it('behind two proxies is the second hop from the right', () => {
    // CDN → balancer → server: the CDN appends the client, the balancer appends the CDN.
    expect(clientAddress(balancer, 'spoofed, 198.51.100.7, 192.0.2.50', 2)).toBe('198.51.100.7');
  });

  it('with fewer hops than trusted is the left-most address, and without the header the peer', () => {
    expect(clientAddress(balancer, '198.51.100.7', 3)).toBe('198.51.100.7');
    expect(clientAddress(balancer, undefined, 1)).toBe(balancer);
  });

  it('reads TRUST_PROXY as a number of hops, true as one, and refuses anything else', () => {
    expect([undefined, '', '0', 'false', 'true', '1', '2'].map(parseTrustedProxyHops)).toEqual([0, 0, 0, 0, 1, 1, 2]);
    expect(() => parseTrustedProxyHops('yes')).toThrow('TRUST_PROXY must be the number of proxy hops');
    expect(() => parseTrustedProxyHops('-1')).toThrow('TRUST_PROXY');
  });
});
