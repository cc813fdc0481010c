import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { UserRole } from '@app/contracts';
import { AppUserEntity } from '../entities/app-user.entity';
import { isUniqueViolation } from './pg-errors';

type Row = Record<string, any>;

export function toAppUser(r: Row): AppUserEntity {
  return Object.assign(new AppUserEntity(), {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role,
    passwordHash: r.password_hash,
    disabled: Boolean(r.disabled),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  });
}

export interface AppUserPatch {
  name?: string;
  role?: UserRole;
  passwordHash?: string;
  disabled?: boolean;
}

/** TypeORM answers an UPDATE/DELETE … RETURNING on PostgreSQL with `[rows, affected]`, an INSERT with `rows`. */
export function returnedRows(result: unknown): Array<Record<string, any>> {
  const r = result as unknown[];
  return Array.isArray(r[0]) ? (r[0] as Array<Record<string, any>>) : (r as Array<Record<string, any>>);
}

/** Agent and admin accounts. Emails are compared lower-cased (the column holds only lower case). */
@Injectable()
export class AppUserRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts a user; null when the email is taken. */
  async create(input: { email: string; name: string; role: UserRole; passwordHash: string }, manager?: EntityManager): Promise<AppUserEntity | null> {
    try {
      const rows = await (manager ?? this.dataSource.manager).query(
        `INSERT INTO "app_user" ("email", "name", "role", "password_hash") VALUES (lower($1), $2, $3, $4) RETURNING *`,
        [input.email, input.name, input.role, input.passwordHash],
      );
      return toAppUser(rows[0]);
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /**
   * Creates the first admin only while there is no user at all; one statement, so two servers booting at once
   * cannot both create one. Null when a user exists already.
   */
  async createIfNoUsers(input: { email: string; name: string; passwordHash: string }): Promise<AppUserEntity | null> {
    const rows = await this.dataSource.query(
      `INSERT INTO "app_user" ("email", "name", "role", "password_hash")
       SELECT lower($1), $2, 'admin', $3 WHERE NOT EXISTS (SELECT 1 FROM "app_user")
       ON CONFLICT ("email") DO NOTHING RETURNING *`,
      [input.email, input.name, input.passwordHash],
    );
    return rows[0] ? toAppUser(rows[0]) : null;
  }

  async hasAny(): Promise<boolean> {
    const rows = await this.dataSource.query(`SELECT EXISTS (SELECT 1 FROM "app_user") AS any`);
    return Boolean(rows[0].any);
  }

  async findByEmail(email: string): Promise<AppUserEntity | null> {
    const rows = await this.dataSource.query(`SELECT * FROM "app_user" WHERE "email" = lower($1)`, [email]);
    return rows[0] ? toAppUser(rows[0]) : null;
  }

  async findById(id: string, manager?: EntityManager): Promise<AppUserEntity | null> {
    const rows = await (manager ?? this.dataSource.manager).query(`SELECT * FROM "app_user" WHERE "id" = $1`, [id]);
    return rows[0] ? toAppUser(rows[0]) : null;
  }

  /** Locks the row until the transaction ends (read-modify-write of one account). */
  async lockForUpdate(manager: EntityManager, id: string): Promise<AppUserEntity | null> {
    const rows = await manager.query(`SELECT * FROM "app_user" WHERE "id" = $1 FOR UPDATE`, [id]);
    return rows[0] ? toAppUser(rows[0]) : null;
  }

  async update(manager: EntityManager, id: string, patch: AppUserPatch): Promise<AppUserEntity | null> {
    const rows = await manager.query(
      `UPDATE "app_user" SET "name" = coalesce($2, "name"), "role" = coalesce($3, "role"), "password_hash" = coalesce($4, "password_hash"),
         "disabled" = coalesce($5, "disabled"), "updated_at" = now()
       WHERE "id" = $1 RETURNING *`,
      [id, patch.name ?? null, patch.role ?? null, patch.passwordHash ?? null, patch.disabled ?? null],
    );
    const updated = returnedRows(rows)[0];
    return updated ? toAppUser(updated) : null;
  }

  async list(): Promise<AppUserEntity[]> {
    const rows = await this.dataSource.query(`SELECT * FROM "app_user" ORDER BY "created_at", "id"`);
    return rows.map(toAppUser);
  }

  /** Enabled admins other than `exceptId`: an admin may not demote or disable the last one. */
  async countActiveAdmins(manager: EntityManager, exceptId: string): Promise<number> {
    const rows = await manager.query(`SELECT count(*)::int AS n FROM "app_user" WHERE "role" = 'admin' AND NOT "disabled" AND "id" <> $1`, [exceptId]);
    return Number(rows[0].n);
  }
}
