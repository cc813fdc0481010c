import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AppUserEntity } from '../entities/app-user.entity';
import { returnedRows, toAppUser } from './app-user.repository';

/** Login sessions, looked up by the sha256 of their bearer token (shared by every server instance). */
@Injectable()
export class AuthSessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(input: { userId: string; tokenHash: string; expiresAt: Date }): Promise<void> {
    await this.dataSource.query(`INSERT INTO "auth_session" ("user_id", "token_hash", "expires_at") VALUES ($1, $2, $3)`, [
      input.userId,
      input.tokenHash,
      input.expiresAt,
    ]);
  }

  /** The enabled user of a live (not expired, not revoked) session; null otherwise. */
  async findActiveUser(tokenHash: string, now: Date): Promise<AppUserEntity | null> {
    const rows = await this.dataSource.query(
      `SELECT u.* FROM "auth_session" s JOIN "app_user" u ON u."id" = s."user_id"
        WHERE s."token_hash" = $1 AND s."revoked_at" IS NULL AND s."expires_at" > $2 AND NOT u."disabled"`,
      [tokenHash, now],
    );
    return rows[0] ? toAppUser(rows[0]) : null;
  }

  /** Revokes one session (logout); true if it was live. */
  async revoke(tokenHash: string): Promise<boolean> {
    const rows = await this.dataSource.query(`UPDATE "auth_session" SET "revoked_at" = now() WHERE "token_hash" = $1 AND "revoked_at" IS NULL RETURNING "id"`, [
      tokenHash,
    ]);
    return returnedRows(rows).length > 0;
  }

  /** Revokes every session of a user (disabled, password changed). */
  async revokeAllOf(manager: EntityManager, userId: string): Promise<number> {
    const rows = await manager.query(`UPDATE "auth_session" SET "revoked_at" = now() WHERE "user_id" = $1 AND "revoked_at" IS NULL RETURNING "id"`, [userId]);
    return returnedRows(rows).length;
  }

  /** Deletes sessions that expired before `before`; returns how many. */
  async deleteExpired(before: Date): Promise<number> {
    const rows = await this.dataSource.query(`DELETE FROM "auth_session" WHERE "expires_at" < $1 RETURNING "id"`, [before]);
    return returnedRows(rows).length;
  }
}
