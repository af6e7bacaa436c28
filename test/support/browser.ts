import { mkdir } from 'node:fs/promises';
import { type Browser, chromium } from 'playwright-core';

/** Where browser tests and benchmarks leave screenshots (ignored by git). */
export const artifactsDir = 'test-artifacts';

/**
 * Debian's Chromium, headless (`npx playwright install` cannot download here; CHROMIUM_PATH overrides the binary), with
 * the artifacts folder made.
 */
export const launchChromium = async (): Promise<Browser> => {
  await mkdir(artifactsDir, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
};
