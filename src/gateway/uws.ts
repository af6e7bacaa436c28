import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Uws from '@trufflesuite/uws-js-unofficial';

export type UwsModule = typeof Uws;
export type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';

const require = createRequire(import.meta.url);

/**
 * The package's `main` catches a failed native load and silently returns a pure-JS shim built on `ws`, which is
 * an order of magnitude slower and differs in behaviour. We therefore require the native addon by its exact path
 * and let a mismatch (platform, arch, Node ABI) stop the process at start instead of degrading it at peak load.
 */
const loadNative = (): { module: UwsModule; binaryPath: string } => {
  const packageDir = path.dirname(require.resolve('@trufflesuite/uws-js-unofficial/package.json'));
  const binaryName = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  const binaryPath = path.join(packageDir, 'dist', binaryName);
  let loaded: unknown;
  try {
    loaded = require(binaryPath);
  } catch (error) {
    throw new Error(
      `uWebSockets.js native binary ${binaryName} failed to load from ${binaryPath} ` +
        `(platform ${process.platform}, arch ${process.arch}, Node ABI ${process.versions.modules}). ` +
        'Use a Node version this @trufflesuite/uws-js-unofficial release ships a binary for; the JS fallback is not used.',
      { cause: error },
    );
  }
  const module = loaded as Partial<UwsModule>;
  if (
    !binaryPath.endsWith('.node') ||
    typeof module.App !== 'function' ||
    typeof module.us_listen_socket_close !== 'function' ||
    typeof module.us_socket_local_port !== 'function' ||
    typeof (module as { LIBUS_LISTEN_EXCLUSIVE_PORT?: unknown }).LIBUS_LISTEN_EXCLUSIVE_PORT !== 'number'
  ) {
    throw new Error(`${binaryPath} loaded but is not the uWebSockets.js native addon`);
  }
  return { module: module as UwsModule, binaryPath };
};

const native = loadNative();

/** The native uWebSockets.js module; importing this file fails loudly when the binary cannot be loaded. */
export const uws: UwsModule = native.module;
/** Absolute path of the loaded addon, logged at start so operators can see which binary serves traffic. */
export const uwsBinaryPath: string = native.binaryPath;
/** The listen option that binds without SO_REUSEPORT (uWS's default shares a port between processes). */
export const listenExclusivePort: number = (native.module as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number })
  .LIBUS_LISTEN_EXCLUSIVE_PORT;
