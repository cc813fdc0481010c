import { ErrorBody } from './error-codes';

/** Every acknowledged client event answers with this shape. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

export type AckCallback<T> = (ack: Ack<T>) => void;

export const ackOk = <T>(data: T): Ack<T> => ({ ok: true, data });
export const ackError = (error: ErrorBody): Ack<never> => ({ ok: false, error });
