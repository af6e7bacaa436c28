// Plain JavaScript on purpose: worker threads do not inherit the TypeScript loader, and this file needs none.
import { parentPort } from 'node:worker_threads';
import QRCode from 'qrcode';

/**
 * Draws ticket QR codes beside the main thread: a PNG of a signed ticket code takes a few hundred milliseconds of
 * JavaScript (qrcode's matrix, pngjs's filter and deflate), which on the main thread every socket and every actor batch
 * would wait for. Messages: {id, code, format, options} → {id, body} | {id, error}.
 */
const port = parentPort;
if (port === null) throw new Error('qrWorker must run as a worker thread');

port.on('message', async ({ id, code, format, options }) => {
  try {
    const body =
      format === 'svg'
        ? await QRCode.toString(code, { ...options, type: 'svg' })
        : await QRCode.toBuffer(code, { ...options, type: 'png' });
    port.postMessage({ id, body });
  } catch (error) {
    port.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
