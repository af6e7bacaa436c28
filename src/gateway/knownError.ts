import { BookingError, isBookingError } from '../domain/bookingError.ts';
import { isStoreUnavailable } from '../persistence/storeErrors.ts';

/**
 * What a thrown value means to a client, decided once for REST and sockets: a BookingError as it is, a store that
 * cannot answer now as UNAVAILABLE (a retry later succeeds, so never INTERNAL), and anything else undefined: a fault
 * of ours, answered INTERNAL and logged.
 */
export const knownError = (error: unknown): BookingError | undefined => {
  if (isBookingError(error)) return error;
  if (isStoreUnavailable(error))
    return new BookingError('UNAVAILABLE', 'the booking store is unavailable; retry shortly');
  return undefined;
};
