import type { ReplyRoute } from '@app/contracts';
import type { SlotStateEntity } from '@app/database';

/** What a conversation looked like right after this process stored a bot reply in it. */
export interface TurnContext {
  /** Seq of that reply. */
  seq: number;
  /** The slot question the reply left open (null: none). */
  slot: SlotStateEntity | null;
  /** The reply's route: after a fallback, "yes" accepts the person it offered. */
  route: ReplyRoute;
}

/**
 * The context each conversation was left in by this process's last reply, so that the next turn need not read
 * it back (listing unanswered messages and the slot state was a statement per message, and on PGlite every
 * statement runs on the event loop).
 *
 * Safe because everything that can change what a turn reads takes the conversation's next seq: customer, agent
 * and system messages, other instances' replies, a handoff (which also drops the slot state). So when the
 * message to answer has seq = reply seq + 1, nothing happened in between and the remembered context is exact;
 * otherwise the turn reads it from the database. Status changes without a message (an agent taking the
 * conversation) are checked by the reply's own write. Bounded: the least recently used entry goes first.
 */
export class TurnContextCache {
  private readonly entries = new Map<string, TurnContext>();

  constructor(private readonly capacity = 10_000) {}

  /** The remembered context if `seq` is the conversation's first message after that reply; the entry is used up either way. */
  take(conversationId: string, seq: number): TurnContext | null {
    const entry = this.entries.get(conversationId);
    if (!entry) return null;
    this.entries.delete(conversationId);
    return entry.seq === seq - 1 ? entry : null;
  }

  remember(conversationId: string, context: TurnContext): void {
    this.entries.delete(conversationId);
    this.entries.set(conversationId, context);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  forget(conversationId: string): void {
    this.entries.delete(conversationId);
  }

  get size(): number {
    return this.entries.size;
  }
}
