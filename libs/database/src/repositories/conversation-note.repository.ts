import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows } from './app-user.repository';

/** A note as listed: with its author's name (null once the account is gone). */
export interface NoteRow {
  id: string;
  conversationId: string;
  author: { id: string; name: string } | null;
  text: string;
  createdAt: Date;
}

function toNote(r: Record<string, any>): NoteRow {
  return { id: r.id, conversationId: r.conversation_id, author: r.author_id ? { id: r.author_id, name: r.author_name } : null, text: r.text, createdAt: new Date(r.created_at) };
}

/** Agents' private notes (`conversation_note`). */
@Injectable()
export class ConversationNoteRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores a note on an existing conversation; null when there is no such conversation. */
  async add(conversationId: string, authorId: string, text: string): Promise<NoteRow | null> {
    const rows = await this.dataSource.query(
      `WITH n AS (INSERT INTO "conversation_note" ("conversation_id", "author_id", "text")
                  SELECT c."id", $2, $3 FROM "conversation" c WHERE c."id" = $1 RETURNING *)
       SELECT n.*, u."name" AS author_name FROM n LEFT JOIN "app_user" u ON u."id" = n."author_id"`,
      [conversationId, authorId, text],
    );
    return rows[0] ? toNote(rows[0]) : null;
  }

  /** The conversation's notes, oldest first. */
  async list(conversationId: string, limit = 500): Promise<NoteRow[]> {
    const rows = await this.dataSource.query(
      `SELECT n.*, u."name" AS author_name FROM "conversation_note" n LEFT JOIN "app_user" u ON u."id" = n."author_id"
        WHERE n."conversation_id" = $1 ORDER BY n."created_at", n."id" LIMIT $2`,
      [conversationId, limit],
    );
    return (rows as Array<Record<string, any>>).map(toNote);
  }

  async find(id: string): Promise<NoteRow | null> {
    const rows = await this.dataSource.query(
      `SELECT n.*, u."name" AS author_name FROM "conversation_note" n LEFT JOIN "app_user" u ON u."id" = n."author_id" WHERE n."id" = $1`,
      [id],
    );
    return rows[0] ? toNote(rows[0]) : null;
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.dataSource.query(`DELETE FROM "conversation_note" WHERE "id" = $1 RETURNING "id"`, [id]);
    return returnedRows(rows).length > 0;
  }
}
