import { hash53 } from '../hash.ts';
import type { InventoryCommand } from './commands.ts';
import type { RequestOutcome } from './state.ts';
import type { HoldRequest } from './views.ts';

/**
 * What a request asks, reduced to a fingerprint, so a request id reused for something else is told apart from a
 * retry. A hold's payload is hashed (it can name 50 seats) and the hash is kept in its HoldPlaced event, so the
 * memory of requests rebuilt from the log after a restart still knows it; a release or an order asks for one hold,
 * which its remembered outcome names already.
 */
export const requestFingerprint = (command: InventoryCommand): string | undefined => {
  switch (command.type) {
    case 'PlaceHold':
      return `hold:${holdRequestHash(command.data.request, command.data.replacesHoldId)}`;
    case 'ReleaseHold':
      return `release:${command.data.holdId}`;
    case 'ReserveHold':
    case 'PlaceOrder':
      return `reserve:${command.data.holdId}`;
    // Commands that no buyer's request id names: the shell's timers, payment results, admin actions.
    case 'ExpireHolds':
    case 'SellReservation':
    case 'ReleaseReservation':
    case 'RecordPaymentCard':
    case 'RecordPaymentInitiated':
    case 'RecordPaymentResult':
    case 'TimeOutPayments':
    case 'RecordPaymentCancelled':
    case 'RecordRefund':
    case 'RefundOrder':
    case 'CheckInTicket':
    // A join is its own idempotency: joining again answers with the same entry.
    case 'SetUpRoom':
    case 'JoinQueue':
    case 'LeaveQueue':
    case 'ShufflePreQueue':
    case 'TickRoom':
    case 'ExpireAdmissions':
    case 'FinishAdmission':
    case 'DeclareSoldOut':
    case 'EngageRoom':
    case 'ReleaseRoom':
      return undefined;
    default: {
      const _exhaustive: never = command;
      throw new Error(`unknown command ${JSON.stringify(_exhaustive)}`);
    }
  }
};

/** The fingerprint of the request that a remembered outcome answered; undefined for holds logged before hashes. */
const outcomeFingerprint = (outcome: RequestOutcome): string | undefined => {
  switch (outcome.kind) {
    case 'hold':
      return outcome.requestHash === undefined ? undefined : `hold:${outcome.requestHash}`;
    case 'release':
      return `release:${outcome.holdId}`;
    case 'reserve':
      return `reserve:${outcome.holdId}`;
    default: {
      const _exhaustive: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(_exhaustive)}`);
    }
  }
};

/**
 * True when a command sent under a remembered request id asks what the first request asked, so it gets the first
 * answer; false means the key was reused for another request. A hold remembered without a hash (logged before
 * hashes existed) matches any hold: its payload cannot be known any more.
 */
export const isSameRequest = (command: InventoryCommand, outcome: RequestOutcome): boolean => {
  const fingerprint = requestFingerprint(command);
  const remembered = outcomeFingerprint(outcome);
  if (remembered !== undefined) return fingerprint === remembered;
  return fingerprint?.startsWith(`${outcome.kind}:`) ?? false;
};

/**
 * The hash of a hold's payload in a canonical form: seats in any order (and expected versions in any key order) are
 * the same request. Fields are length-prefixed, so no two payloads write the same text. Built by hand rather than
 * with JSON.stringify: it runs for every hold placed, on the actor's hot path. A hold that replaces another names it,
 * so "these seats instead of hold X" and "these seats" are different requests; a plain hold hashes as it always did.
 */
export const holdRequestHash = (request: HoldRequest, replacesHoldId?: string): string =>
  replacesHoldId === undefined
    ? payloadHash(request)
    : hash53(`replace${field(replacesHoldId)}${field(payloadHash(request))}`);

const payloadHash = (request: HoldRequest): string => {
  switch (request.kind) {
    case 'seats': {
      let text = 'seats';
      // One seat (most holds) needs no sorted copy.
      const seatIds = request.seatIds.length === 1 ? request.seatIds : [...request.seatIds].sort();
      for (const seatId of seatIds) text += field(seatId);
      if (request.expectedVersions !== undefined) {
        text += '|versions';
        for (const seatId of Object.keys(request.expectedVersions).sort())
          text += field(seatId) + field(String(request.expectedVersions[seatId]));
      }
      return hash53(text);
    }
    case 'general':
      return hash53(`general${field(request.sectionId)}${field(String(request.quantity))}`);
    case 'bestAvailable':
      return hash53(
        `bestAvailable${field(String(request.quantity))}${optional(request.sectionId)}${optional(request.priceTier)}`,
      );
    default: {
      const _exhaustive: never = request;
      throw new Error(`unknown hold request ${JSON.stringify(_exhaustive)}`);
    }
  }
};

const field = (text: string): string => `${text.length}:${text}`;
const optional = (text: string | undefined): string => (text === undefined ? '-' : field(text));
