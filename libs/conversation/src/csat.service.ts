import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '@app/contracts';
import type { CsatPayload, CsatResult, Suggestion } from '@app/contracts';
import { CsatRepository } from '@app/database';
import { ChatEmitter } from './chat-emitter';

/** The buttons under the "back to the assistant" message after a person helped: one per rating, worst first. */
export const CSAT_BUTTONS: readonly Suggestion[] = [
  { text: 'Very poor', action: 'csat:send', rating: 1 },
  { text: 'Poor', action: 'csat:send', rating: 2 },
  { text: 'Okay', action: 'csat:send', rating: 3 },
  { text: 'Good', action: 'csat:send', rating: 4 },
  { text: 'Excellent', action: 'csat:send', rating: 5 },
];

/**
 * Customer satisfaction (CSAT) with the person who helped, as Chatwoot or Zendesk ask it: after an agent gives the
 * conversation back, the widget offers CSAT_BUTTONS and the customer's choice is stored, one per handoff.
 */
@Injectable()
export class CsatService {
  private readonly logger = new Logger('Csat');

  constructor(
    private readonly csat: CsatRepository,
    private readonly emitter: ChatEmitter,
  ) {}

  async rate(conversationId: string, payload: CsatPayload): Promise<CsatResult> {
    const stored = await this.csat.upsert(conversationId, payload.rating, payload.comment?.trim() || null);
    if (!stored) throw new DomainError(ErrorCode.CsatNotAllowed, 'There is nothing to rate: no person has helped in this conversation and given it back', 409);
    // The rating and who it rates; never the comment (customer text).
    this.logger.log({ event: 'csat', conversationId, rating: payload.rating, agentId: stored.agentId, replaced: stored.replaced, comment: Boolean(payload.comment?.trim()) });
    this.emitter.csatSubmitted(conversationId, { rating: payload.rating, agentId: stored.agentId });
    return { csatId: stored.id, replaced: stored.replaced };
  }
}
