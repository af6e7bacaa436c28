import { Encoder, PacketType } from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { RawJson, rawJsonParser } from './rawJson.ts';

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
});
