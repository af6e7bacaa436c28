import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { renderTicketQr } from './tickets.ts';

describe('ticket QR codes drawn on their own thread', () => {
  it('are the images qrcode draws on the calling thread, PNG and SVG, however many are drawn at once', async () => {
    const codes = Array.from(
      { length: 8 },
      (_, i) => `eyJhbGciOiJFZERTQSJ9.ticket-${i}.signature-${'x'.repeat(i * 20)}`,
    );
    const drawn = await Promise.all(codes.map((code) => renderTicketQr(code, 'png')));
    for (const [i, image] of drawn.entries()) {
      expect(image.contentType).toBe('image/png');
      const here = await QRCode.toBuffer(codes[i]!, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 6 });
      expect(Buffer.isBuffer(image.body) && image.body.equals(here)).toBe(true);
    }
    const svg = await renderTicketQr(codes[0]!, 'svg');
    expect(svg).toEqual({
      contentType: 'image/svg+xml',
      body: await QRCode.toString(codes[0]!, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
    });
  });

  it('fails a code too long for any QR code with a clear error, and draws the next one', async () => {
    await expect(renderTicketQr('x'.repeat(10_000), 'png')).rejects.toThrow(/the QR code could not be drawn/);
    expect((await renderTicketQr('after', 'png')).contentType).toBe('image/png');
  });
});
