import { mkdir } from 'node:fs/promises';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';

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

/** axe-core's serious and critical findings on the page as it is now, one line each (`[]` is the pass). */
export const seriousViolations = async (page: Page): Promise<string[]> => {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.length} ${violation.help}`);
};
