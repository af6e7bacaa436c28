/**
 * `npm run verify-shuffle -- <url> <eventId>`: fetches the event's published fairness record
 * (`GET <url>/v1/events/<eventId>/queue/fairness`), checks that the revealed seed hashes to the commitment, and
 * recomputes the pre-queue's order from the seed (docs/fairness.md, algorithm `seatactor-shuffle-v1`). Exits 0 when
 * the published order is the recomputed one, 1 when it is not, 2 when it cannot tell (no seed yet, no room, bad
 * arguments).
 */
import { verifyFairness } from '../src/domain/queue/shuffle.ts';

type Record_ = { commitment: string; algorithm: string; seed?: string; order?: string[] };

const main = async (): Promise<number> => {
  const [url, eventId] = process.argv.slice(2);
  if (url === undefined || eventId === undefined) {
    console.error('usage: npm run verify-shuffle -- <server url> <eventId>');
    return 2;
  }
  const address = new URL(`/v1/events/${encodeURIComponent(eventId)}/queue/fairness`, url);
  const response = await fetch(address);
  const body = (await response.json()) as Record_ & { error?: { code: string; message: string } };
  if (!response.ok) {
    console.error(`${address}: ${response.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`);
    return 2;
  }
  console.log(`commitment ${body.commitment}`);
  console.log(`algorithm  ${body.algorithm}`);
  if (body.seed === undefined || body.order === undefined) {
    console.log('the seed is not revealed yet: the pre-queue is shuffled when the sale opens');
    return 2;
  }
  console.log(`seed       ${body.seed}`);
  console.log(`order      ${body.order.length} queue ids`);
  const problems = verifyFairness(body);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`NOT VERIFIED: ${problem}`);
    return 1;
  }
  console.log('verified: the seed matches the commitment and recomputes the published order');
  return 0;
};

process.exitCode = await main();
