/**
 * One process of agents for the flash-sale simulation (bench/flashSim/sim.ts forks one for the humans and one for the
 * bots, so the bots' proof of work does not stall the humans' timers): it builds its agents from the plan, runs them
 * all against the sale and sends back their records.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type Agent, type AgentRecord, type BotStrategy, bot, human, type SaleContext } from './strategies.ts';

export type AgentSpec =
  | Readonly<{ kind: 'human'; index: number; arriveAt: number; seed: number }>
  | Readonly<{ kind: 'bot'; strategy: BotStrategy; index: number; address: string; seed: number }>;

export type AgentsTask = Readonly<{ sale: SaleContext; agents: readonly AgentSpec[] }>;

/**
 * How late this process's event loop ran (ms): a process starved of CPU (by its own proof of work, or the machine's
 * load) answers its sockets' pushes and acks late, and its agents lose for that reason, not the server's.
 */
export type LoopDelay = Readonly<{ p50: number; p99: number; max: number }>;
export type AgentsResult = Readonly<{ records: AgentRecord[]; loopDelayMs: LoopDelay }>;

const loop = monitorEventLoopDelay({ resolution: 20 });

const agentOf = (spec: AgentSpec): Agent =>
  spec.kind === 'human'
    ? human(spec.index, spec.arriveAt, spec.seed)
    : bot(spec.strategy, spec.index, spec.address, spec.seed);

process.once('message', async (task: AgentsTask) => {
  loop.enable();
  const records: AgentRecord[] = [];
  const runs = Promise.all(
    task.agents.map((spec) =>
      agentOf(spec)
        .run(task.sale, records)
        .catch((error: unknown) => console.error(`agent ${spec.kind} ${spec.index} failed: ${String(error)}`)),
    ),
  );
  // Bounded: what an agent has not finished 15 s after the sale window is reported as it stands.
  const deadline = new Promise((resolve) => setTimeout(resolve, Math.max(0, task.sale.endsAt + 15_000 - Date.now())));
  await Promise.race([runs, deadline]);
  loop.disable();
  const ms = (ns: number) => Math.round(ns / 1e6);
  const result: AgentsResult = {
    records,
    loopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
  };
  process.send!(result, () => process.exit(0));
});
process.send!('ready');
