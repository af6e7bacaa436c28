import { Encoder, PacketType } from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import type { Ack, ClientRequests, ServerToClientEvents } from '../../contract/protocol.ts';
import { eventsThatMayCarryBinary, RawJson, rawJsonParser } from './rawJson.ts';

type Binary = ArrayBuffer | SharedArrayBuffer | ArrayBufferView | Blob;

/**
 * true when a value of type T could hold binary anywhere inside it (what socket.io-parser's hasBinary looks for), false
 * when it cannot. `unknown` and `any` could hold anything, and so could a type nested deeper than the check follows.
 */
type MayHoldBinary<T, Depth extends unknown[] = []> = Depth['length'] extends 12
  ? true
  : unknown extends T
    ? true
    : T extends Binary
      ? true
      : T extends (...args: never[]) => unknown
        ? false
        : T extends readonly (infer E)[]
          ? MayHoldBinary<E, [...Depth, 0]>
          : T extends object
            ? { [K in keyof T]-?: MayHoldBinary<T[K], [...Depth, 0]> }[keyof T] extends false
              ? false
              : true
            : false;

/** The events whose payload type could hold binary, and every ack the server answers a request with. */
type EventsThatMayCarryBinary = {
  [E in keyof ServerToClientEvents]: [MayHoldBinary<Parameters<ServerToClientEvents[E]>>] extends [false] ? never : E;
}[keyof ServerToClientEvents];
type Acked = { [E in keyof ClientRequests]: Ack<ClientRequests[E]['reply']> }[keyof ClientRequests];
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

describe('RawJson in socket.io packets', () => {
  it('writes the text where the value stands: the packet the default encoder makes of the parsed value', () => {
    const map = { eventId: 'e1', version: 7, seats: { 'A-1': { status: 'held', priceTier: 'P', version: 2 } } };
    const text = JSON.stringify(map);
    const packet = (seatMap: unknown) => ({
      type: PacketType.ACK,
      nsp: '/',
      id: 12,
      data: [{ ok: true, eventId: 'e1', version: 7, seatMap, again: seatMap }],
    });
    const stock = new Encoder().encode(packet(map));
    const raw = new rawJsonParser.Encoder().encode(packet(new RawJson(text)));
    expect(raw).toEqual(stock);
    // Packets without raw JSON are untouched, and a value met once is not spliced into a later packet.
    const diff = { type: PacketType.EVENT, nsp: '/', data: ['seatmap:diff', { version: 8, note: '\u0000raw-json' }] };
    expect(new rawJsonParser.Encoder().encode(diff)).toEqual(new Encoder().encode(diff));
  });

  it('writes events and acks without walking them for binary, as the default encoder writes them', () => {
    // Checked by the compiler, not at run time (`npm run typecheck`, which CI runs before the tests; these lines fail to
    // type-check otherwise): no ack can hold binary, and the events that could are exactly those the encoder still
    // walks. The helper itself answers true where binary could be.
    true satisfies Same<MayHoldBinary<Acked>, false>;
    true satisfies Same<EventsThatMayCarryBinary, 'order:updated'>;
    [true, true] satisfies [MayHoldBinary<{ a: [{ b?: Uint8Array }] }>, MayHoldBinary<{ a: unknown }>];
    expect([...eventsThatMayCarryBinary]).toEqual(['order:updated']);

    let walked = 0;
    const counted = {
      toJSON: () => {
        walked += 1;
        return { seat: 'A-1' };
      },
    };
    const ack = { type: PacketType.ACK, nsp: '/', id: 3, data: [{ ok: true, hold: counted }] };
    const stock = new Encoder().encode(ack);
    expect(walked).toBe(2); // hasBinary's walk, then the stringify
    walked = 0;
    expect(new rawJsonParser.Encoder().encode(ack)).toEqual(stock);
    expect(walked).toBe(1); // the stringify alone

    const event = { type: PacketType.EVENT, nsp: '/orders', data: ['seatmap:diff', { version: 9 }] };
    expect(new rawJsonParser.Encoder().encode(event)).toEqual(new Encoder().encode(event));
    // An event that may carry binary is walked, as are other packets: the default encoder's own.
    walked = 0;
    const order = { type: PacketType.EVENT, nsp: '/', data: ['order:updated', { orderId: 'o1', ticket: counted }] };
    expect(new rawJsonParser.Encoder().encode(order)).toEqual(new Encoder().encode(order));
    expect(walked).toBe(4);
    for (const packet of [
      { type: PacketType.CONNECT, nsp: '/', data: { sid: 'abc' } },
      { type: PacketType.CONNECT_ERROR, nsp: '/', data: { message: 'no', data: { code: 'UNAUTHORIZED' } } },
      { type: PacketType.DISCONNECT, nsp: '/' },
    ])
      expect(new rawJsonParser.Encoder().encode(packet)).toEqual(new Encoder().encode(packet));
  });
});
