/** The part of `http_ece` (the encoding Web Push payloads use, RFC 8188) the loopback push service decrypts with. */
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';

  const ece: {
    decrypt(
      buffer: Buffer,
      params: Readonly<{ version: 'aes128gcm'; privateKey: ECDH; authSecret: string | Buffer }>,
    ): Buffer;
  };
  export default ece;
}
