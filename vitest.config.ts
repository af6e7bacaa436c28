import { defineConfig } from 'vitest/config';

// Unit and simulation specs run in parallel; integration and browser specs talk to real servers and
// databases, so they run one file at a time to keep a 2-core machine from timing itself out.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.unit.spec.ts', 'src/**/*.sim.spec.ts', 'test/**/*.unit.spec.ts', 'test/**/*.sim.spec.ts', 'client-sdk/**/*.unit.spec.ts', 'web/**/*.unit.spec.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['src/**/*.int.spec.ts', 'test/**/*.int.spec.ts', 'client-sdk/**/*.int.spec.ts', 'test/**/*.e2e.spec.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
