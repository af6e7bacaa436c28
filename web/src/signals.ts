import { Thumbmark } from '@thumbmarkjs/thumbmarkjs';
import type { SignalsView } from '../../client-sdk/src/index.ts';

/**
 * What the page tells the server about the device and the person (hints, never proof: the server's risk stage,
 * docs/operations.md "Anti-bot"): the device's fingerprint (ThumbmarkJS, open source, computed in this browser only),
 * what the fingerprint saw (user agent, languages: the server checks them against this page's request headers),
 * pointer events on the page, and the time since the seat map was shown.
 */
export type DeviceSignals = Pick<SignalsView, 'fingerprint' | 'device'>;

/**
 * The device's fingerprint. `logging: false`: by default ThumbmarkJS posts a sample of fingerprints to its authors'
 * server and may load code from it; nothing leaves this page but what it sends to seatactor. No API key: the
 * open-source client-side components only. A failure (a locked-down browser) sends no fingerprint, which is allowed.
 */
export const deviceSignals = async (): Promise<DeviceSignals> => {
  const device = { userAgent: navigator.userAgent, languages: [...navigator.languages].slice(0, 20) };
  const result = await new Thumbmark({ logging: false, timeout: 2_000, exclude: ['permissions'] })
    .get()
    .catch(() => undefined);
  const fingerprint = typeof result?.thumbmark === 'string' ? result.thumbmark : '';
  return /^[A-Za-z0-9_-]{8,128}$/.test(fingerprint) ? { fingerprint, device } : { device };
};

/** Counts pointer events on the page (moves sampled, at most one per animation frame) from now on. */
export const pointerSignals = (device: DeviceSignals) => {
  let pointerEvents = 0;
  let mapShownAt: number | undefined;
  let frameTaken = false;
  const count = () => {
    pointerEvents = Math.min(1_000_000, pointerEvents + 1);
  };
  addEventListener('pointerdown', count, { passive: true });
  addEventListener(
    'pointermove',
    () => {
      if (frameTaken) return;
      frameTaken = true;
      requestAnimationFrame(() => {
        frameTaken = false;
      });
      count();
    },
    { passive: true },
  );
  return {
    /** The seat map is on screen from now. */
    mapShown: () => {
      mapShownAt ??= performance.now();
    },
    /** The signals of a click now (the SDK asks at every hold and queue join). */
    now: (): SignalsView => ({
      ...device,
      pointerEvents,
      ...(mapShownAt === undefined ? {} : { msSinceMapShown: Math.round(performance.now() - mapShownAt) }),
    }),
  };
};
