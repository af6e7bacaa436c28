import { describe, expect, it } from 'vitest';
import { quickSim, runSim } from '../bench/flashSim/sim.ts';

/**
 * The flash-sale simulation's quick mode (`npm run sim:flash -- --quick`): a real server process, a 200-seat sale,
 * humans and 70 % bots over real sockets. CI checks what must always hold, no seat sold twice and a complete report;
 * the humans' share of tickets (the issue's goal, ≥ 95 %) is measured and reported in docs/benchmarks.md, not
 * asserted here: it depends on the anti-bot stages and on the machine.
 */
describe('flash-sale simulation, quick mode', () => {
  it('sells no seat twice and reports every figure', { timeout: 240_000 }, async () => {
    const report = await runSim(quickSim);
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
    expect(Object.keys(report.botRefusalsByStage).length).toBeGreaterThan(0);
  });
});
