import { ErrorCode, ValidationFailedError } from '@app/contracts';

/** Refuses an empty, over-long or NUL-carrying message (customer's or agent's) with its own error code. */
export function checkMessageText(text: string, clientMessageId: string, maxChars: number): void {
  if (text.trim() === '') throw new ValidationFailedError('Message text is empty', ErrorCode.MessageEmpty);
  if (text.length > maxChars) throw new ValidationFailedError(`Message text is longer than ${maxChars} characters`, ErrorCode.MessageTooLong);
  // PostgreSQL text cannot hold NUL; refuse it rather than fail the insert.
  if (text.includes('\u0000') || clientMessageId.includes('\u0000')) throw new ValidationFailedError('Message contains a NUL character');
}
