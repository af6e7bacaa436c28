import { describe, expect, it } from 'vitest';
import { quickSim, runSim } from '../bench/flashSim/sim.ts';

/**
 * The flash-sale simulation's quick mode as a fair contest (`npm run sim:flash -- --quick --pow-difficulty-max 5000`):
 * a real server process, a 100-seat sale, humans and 70 % bots over real sockets, the proof of work kept at its
 * resting difficulty so the bots' one process solves everything it is asked. CI checks what must always hold (no seat
 * sold twice, a complete report) and that the contest was real: bots of every strategy got sessions and sockets past
 * the front door, and bots got into the waiting room. The humans' share of tickets (the goal, ≥ 95 %) is
 * measured and reported in docs/benchmarks.md, not asserted here: on a shared 2-core machine it moves with the load.
 */
describe('flash-sale simulation, quick mode', () => {
  it('lets every bot strategy in, sells no seat twice and reports every figure', { timeout: 240_000 }, async () => {
    const report = await runSim({ ...quickSim, serverEnv: { POW_DIFFICULTY_MAX: '5000' } });
    expect(report.oversold).toBe(0);
    expect(report.soldOnServer).toBe(report.seatsPaid);
    expect(report.humans).toBe(quickSim.humans);
    expect(report.bots / (report.humans + report.bots)).toBeCloseTo(0.7, 1);
    expect(report.seatsPaid).toBeGreaterThan(0);
    expect(report.seatsPaid).toBeLessThanOrEqual(report.seats);
    expect(report.humanTicketShare).toBeGreaterThanOrEqual(0);
    expect(report.humanTicketShare).toBeLessThanOrEqual(1);
    expect(report.humansEmptyHandedWithStockShare).toBeGreaterThanOrEqual(0);
    expect(Object.keys(report.byStrategy).sort()).toEqual(['farmer', 'human', 'naive', 'smart']);
    // A real contest: every bot strategy minted sessions and opened sockets past the front door, and bots were taken
    // into the waiting room. (Whether a given strategy's joins are answered within the SDK's 10 s on a loaded 2-core
    // machine is not asserted: the smart bots join at the opening, the busiest moment.)
    const refusals = JSON.stringify(report.botRefusalsByCode);
    for (const strategy of ['naive', 'farmer', 'smart']) {
      const bots = report.byStrategy[strategy]!;
      expect(bots.sessions, `${strategy} bots' sessions (refusals ${refusals})`).toBeGreaterThan(0);
      expect(bots.connections, `${strategy} bots' connections (refusals ${refusals})`).toBeGreaterThan(0);
    }
    const botJoins = ['naive', 'farmer', 'smart'].reduce(
      (sum, strategy) => sum + report.byStrategy[strategy]!.joins,
      0,
    );
    expect(botJoins, `bots' room joins (refusals ${refusals})`).toBeGreaterThan(0);
    expect(Object.keys(report.botRefusalsByStage).length).toBeGreaterThan(0);
  });
});
