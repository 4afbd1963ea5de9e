import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real processes (socat, pcscd, child daemons); keep CPU contention low on 2 cores.
    maxWorkers: 2,
  },
});
