import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiTokenEntity } from '../entities/api-token.entity';
import { AppUserEntity } from '../entities/app-user.entity';
import { returnedRows, toAppUser } from './app-user.repository';

function toApiToken(r: Record<string, any>): ApiTokenEntity {
  return Object.assign(new ApiTokenEntity(), {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    tokenHash: r.token_hash,
    prefix: r.prefix,
    createdAt: new Date(r.created_at),
    expiresAt: r.expires_at ? new Date(r.expires_at) : null,
    lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
    revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
  });
}

/** Personal API tokens, looked up by the sha256 of the bearer token (shared by every server instance). */
@Injectable()
export class ApiTokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(input: { userId: string; name: string; tokenHash: string; prefix: string; expiresAt: Date | null }): Promise<ApiTokenEntity> {
    const rows = await this.dataSource.query(
      `INSERT INTO "api_token" ("user_id", "name", "token_hash", "prefix", "expires_at") VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [input.userId, input.name, input.tokenHash, input.prefix, input.expiresAt],
    );
    return toApiToken(rows[0]);
  }

  /**
   * The enabled user of a live (not expired, not revoked) token, and marks it used (at most once a minute, so a busy
   * script does not write on every request); null otherwise.
   */
  async findActiveUser(tokenHash: string, now: Date): Promise<AppUserEntity | null> {
    const rows = await this.dataSource.query(
      `SELECT u.*, t."id" AS token_id, t."last_used_at" AS token_last_used_at FROM "api_token" t JOIN "app_user" u ON u."id" = t."user_id"
        WHERE t."token_hash" = $1 AND t."revoked_at" IS NULL AND (t."expires_at" IS NULL OR t."expires_at" > $2) AND NOT u."disabled"`,
      [tokenHash, now],
    );
    if (!rows[0]) return null;
    const lastUsed = rows[0].token_last_used_at ? new Date(rows[0].token_last_used_at).getTime() : 0;
    if (now.getTime() - lastUsed > 60_000) {
      await this.dataSource.query(`UPDATE "api_token" SET "last_used_at" = $2 WHERE "id" = $1`, [rows[0].token_id, now]);
    }
    return toAppUser(rows[0]);
  }

  /** Live tokens of a user (not revoked; expired ones included, marked by `expiresAt`), newest first. */
  async listOf(userId: string): Promise<ApiTokenEntity[]> {
    const rows = await this.dataSource.query(`SELECT * FROM "api_token" WHERE "user_id" = $1 AND "revoked_at" IS NULL ORDER BY "created_at" DESC`, [userId]);
    return (rows as Array<Record<string, any>>).map(toApiToken);
  }

  /** Every user's live tokens but `exceptUserId`'s, newest first, with their owner (the admins' overview). */
  async listOthers(exceptUserId: string, limit: number): Promise<Array<{ token: ApiTokenEntity; owner: { id: string; email: string; name: string } }>> {
    const rows = await this.dataSource.query(
      `SELECT t.*, u."email" AS owner_email, u."name" AS owner_name FROM "api_token" t JOIN "app_user" u ON u."id" = t."user_id"
        WHERE t."user_id" <> $1 AND t."revoked_at" IS NULL ORDER BY t."created_at" DESC LIMIT $2`,
      [exceptUserId, limit],
    );
    return (rows as Array<Record<string, any>>).map((r) => ({ token: toApiToken(r), owner: { id: r.user_id, email: r.owner_email, name: r.owner_name } }));
  }

  async countLive(userId: string, now: Date): Promise<number> {
    const rows = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM "api_token" WHERE "user_id" = $1 AND "revoked_at" IS NULL AND ("expires_at" IS NULL OR "expires_at" > $2)`,
      [userId, now],
    );
    return rows[0].n;
  }

  async findById(id: string): Promise<ApiTokenEntity | null> {
    const rows = await this.dataSource.query(`SELECT * FROM "api_token" WHERE "id" = $1`, [id]);
    return rows[0] ? toApiToken(rows[0]) : null;
  }

  /** Revokes a token by id or by the hash of its value; true if it was live. */
  async revoke(by: { id: string } | { tokenHash: string }): Promise<boolean> {
    const [column, value] = 'id' in by ? ['id', by.id] : ['token_hash', by.tokenHash];
    const rows = await this.dataSource.query(`UPDATE "api_token" SET "revoked_at" = now() WHERE "${column}" = $1 AND "revoked_at" IS NULL RETURNING "id"`, [value]);
    return returnedRows(rows).length > 0;
  }
}
