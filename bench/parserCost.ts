/**
 * What socket.io's packet codec costs the server per acknowledged request (issue #16, "the node's ceiling": would the
 * msgpack parser lower it?). In process, no transport: for each request the server decodes one `hold` event packet and
 * encodes its ack, with
 *   - rawJson: the server's parser (socket.io-parser's JSON, with RawJson splicing; what runs in production),
 *   - json: socket.io-parser as shipped,
 *   - msgpack: socket.io-msgpack-parser (notepack.io), which every client would have to use too.
 * Rounds alternate the codecs (ABC, CBA, ...); the figure per codec is the median µs per request over the rounds.
 *
 *   npx tsx bench/parserCost.ts [--requests 200000] [--rounds 6]
 */
import { parseArgs } from 'node:util';
import * as msgpackParser from 'socket.io-msgpack-parser';
import * as jsonParser from 'socket.io-parser';
import { rawJsonParser } from '../src/gateway/socket/rawJson.ts';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '6' } },
});
const requests = Number(values.requests);
const rounds = Number(values.rounds);

type Parser = { Encoder: new () => { encode(packet: unknown): unknown[] }; Decoder: new () => DecoderLike };
type DecoderLike = { add(chunk: unknown): void; on(event: 'decoded', listener: (packet: unknown) => void): unknown };

// A hold as the light load client sends it, and the ack the server writes for a granted hold.
const holdArgs = (n: number) => [
  'hold',
  { eventId: 'evt_01JDEMO000000000000000000', seatIds: ['A-12-7'], requestId: `r${n}` },
];
const ackReply = (n: number) => [
  {
    ok: true,
    hold: {
      holdId: `hld_01JH${String(n).padStart(20, '0')}`,
      seatIds: ['A-12-7'],
      quantity: 1,
      expiresAt: '2026-12-01T10:15:00.000Z',
    },
  },
];
const eventPacket = (n: number) => ({ type: jsonParser.PacketType.EVENT, nsp: '/', id: n, data: holdArgs(n) });
const ackPacket = (n: number) => ({ type: jsonParser.PacketType.ACK, nsp: '/', id: n, data: ackReply(n) });

const codecs: Record<string, Parser> = {
  rawJson: rawJsonParser as unknown as Parser,
  json: jsonParser as unknown as Parser,
  msgpack: msgpackParser as unknown as Parser,
};

/** The incoming packets as a client would have encoded them (built outside the timed loop). */
const incomingOf = (parser: Parser): unknown[] => {
  const encoder = new parser.Encoder();
  return Array.from({ length: 1000 }, (_, n) => encoder.encode(eventPacket(n))[0]);
};

const measure = (name: string, parser: Parser): number => {
  const incoming = incomingOf(parser);
  const encoder = new parser.Encoder();
  const decoder = new parser.Decoder();
  let decoded = 0;
  let bytes = 0;
  decoder.on('decoded', () => {
    decoded += 1;
  });
  const started = process.hrtime.bigint();
  for (let n = 0; n < requests; n++) {
    decoder.add(incoming[n % incoming.length]);
    const [frame] = encoder.encode(ackPacket(n));
    bytes += typeof frame === 'string' ? frame.length : (frame as Uint8Array).byteLength;
  }
  const elapsedNs = Number(process.hrtime.bigint() - started);
  if (decoded !== requests) throw new Error(`${name}: decoded ${decoded} of ${requests}`);
  if (bytes === 0) throw new Error(`${name}: encoded nothing`);
  return elapsedNs / requests / 1000;
};

const names = Object.keys(codecs);
const results = new Map<string, number[]>(names.map((name) => [name, []]));
for (const name of names) measure(name, codecs[name]!); // warm-up, not counted
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? names : [...names].reverse();
  for (const name of order) results.get(name)!.push(measure(name, codecs[name]!));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sizes = Object.fromEntries(
  names.map((name) => {
    const frame = new codecs[name]!.Encoder().encode(ackPacket(1))[0];
    const hold = new codecs[name]!.Encoder().encode(eventPacket(1))[0];
    const size = (x: unknown) => (typeof x === 'string' ? Buffer.byteLength(x) : (x as Uint8Array).byteLength);
    return [name, `${size(hold)} B in, ${size(frame)} B ack`];
  }),
);
console.log(
  `decode one hold + encode its ack, ${requests.toLocaleString()} requests a round, ${rounds} rounds alternated`,
);
for (const name of names) {
  const xs = results.get(name)!;
  console.log(
    `${name.padEnd(8)} median ${median(xs).toFixed(2)} µs/request (range ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}); ${sizes[name]}`,
  );
}
