import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTicketSigner } from '../../src/payments/tickets.ts';
import { verifyTicketCode } from './tickets.ts';

describe('verifyTicketCode: offline, with the public key only', () => {
  it('accepts a code the server signed and refuses a tampered one or another key', async () => {
    const signer = await createTicketSigner(generateKeyPairSync('ed25519').privateKey);
    const other = await createTicketSigner(generateKeyPairSync('ed25519').privateKey);
    const ticket = { ticketId: 'e1.o1.t1', eventId: 'e1', orderId: 'e1.o1', seatId: 'A-1' };
    const code = await signer.sign(ticket);
    expect(await verifyTicketCode(code, signer.publicKey)).toEqual(ticket);
    expect(await verifyTicketCode(code, other.publicKey)).toBeUndefined();
    const [header, , signature] = code.split('.');
    const forged = Buffer.from(JSON.stringify({ ...ticket, seatId: 'A-2' })).toString('base64url');
    expect(await verifyTicketCode(`${header}.${forged}.${signature}`, signer.publicKey)).toBeUndefined();
    expect(await verifyTicketCode('not a code', signer.publicKey)).toBeUndefined();
  });
});
