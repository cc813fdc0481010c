import { createHmac, timingSafeEqual } from 'node:crypto';
import { CustomerIdentity, CustomerView, DomainError, ErrorCode } from '@app/contracts';
import type { ConversationEntity } from '@app/database';

/**
 * The customer a widget says is signed in, checked: `hash` must be the hex HMAC-SHA256 of `userId` with the
 * operator's WIDGET_IDENTITY_SECRET (computed by their server, which knows who is signed in), as Chatwoot's and
 * Intercom's identity verification do. Without a secret no identity is taken: anyone could claim any id.
 */
export function verifyIdentity(identity: CustomerIdentity, secret: string | null): CustomerView {
  if (!secret) throw new DomainError(ErrorCode.IdentityNotAccepted, 'This server takes no customer identities (WIDGET_IDENTITY_SECRET is not set)', 400);
  const expected = createHmac('sha256', secret).update(identity.userId, 'utf8').digest();
  const given = Buffer.from(identity.hash, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new DomainError(ErrorCode.IdentityInvalid, 'The identity signature does not match: sign the user id with WIDGET_IDENTITY_SECRET on your server', 401);
  }
  return { id: identity.userId, name: identity.name?.trim() || null, email: identity.email?.trim().toLowerCase() || null };
}

/** A conversation that belongs to another signed-in customer than the one asking for it. */
export class IdentityMismatchError extends DomainError {
  constructor() {
    super(ErrorCode.IdentityMismatch, 'This conversation belongs to another signed-in customer: start a new one', 409);
    this.name = 'IdentityMismatchError';
  }
}

/** The conversation's verified customer, or null (anonymous, or no such conversation). */
export function customerOf(c: Pick<ConversationEntity, 'customerId' | 'customerName' | 'customerEmail'> | null): CustomerView | null {
  return c?.customerId ? { id: c.customerId, name: c.customerName, email: c.customerEmail } : null;
}
