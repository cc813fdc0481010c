import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { AuthUser, ConversationNotFoundError, DomainError, ErrorCode, NoteView } from '@app/contracts';
import { ConversationNoteRepository, NoteRow } from '@app/database';
import { ChatEmitter } from './chat-emitter';
import { checkMessageText } from './message-text';

const toView = (n: NoteRow): NoteView => ({ id: n.id, conversationId: n.conversationId, author: n.author, text: n.text, createdAt: n.createdAt.toISOString() });

/**
 * Private notes on a conversation, as in Chatwoot: agents tell each other what was promised or what to check. Only
 * agent consoles see them (live, in the conversation's agent room); nothing customer-facing reads their table. The
 * author, or an admin, may delete one. Audited without the text.
 */
@Injectable()
export class NotesService {
  private readonly logger = new Logger('Notes');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly notes: ConversationNoteRepository,
    private readonly audit: AuditService,
    private readonly emitter: ChatEmitter,
  ) {}

  async list(conversationId: string): Promise<NoteView[]> {
    return (await this.notes.list(conversationId)).map(toView);
  }

  async add(conversationId: string, agent: AuthUser, text: string): Promise<NoteView> {
    // The same rules as an agent's message: not empty, at most MAX_MESSAGE_CHARS, no NUL.
    const trimmed = text.trim();
    checkMessageText(trimmed, '', this.config.chat.maxMessageChars);
    const row = await this.notes.add(conversationId, agent.id, trimmed);
    if (!row) throw new ConversationNotFoundError();
    const view = toView(row);
    await this.audit.record({ actor: agent, action: 'note.create', targetType: 'conversation', targetId: conversationId, after: { noteId: view.id, chars: trimmed.length } });
    this.emitter.noteAdded(conversationId, view);
    this.logger.log({ event: 'note.created', conversationId, agentId: agent.id, chars: trimmed.length });
    return view;
  }

  /** `conversationId`: the conversation of the route; a note of another one is not found there. */
  async delete(conversationId: string, noteId: string, user: AuthUser): Promise<void> {
    const row = await this.notes.find(noteId);
    if (!row || row.conversationId !== conversationId) throw new DomainError(ErrorCode.NotFound, 'No such note', 404);
    if (row.author?.id !== user.id && user.role !== 'admin') throw new DomainError(ErrorCode.Forbidden, 'Only its author or an admin may delete a note', 403);
    await this.notes.delete(noteId);
    await this.audit.record({ actor: user, action: 'note.delete', targetType: 'conversation', targetId: row.conversationId, before: { noteId, authorId: row.author?.id ?? null } });
  }
}
