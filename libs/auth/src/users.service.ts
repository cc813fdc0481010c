import { Injectable } from '@nestjs/common';
import { AuthUser, DomainError, ErrorCode, UserRole, UserView } from '@app/contracts';
import { AppUserEntity, AppUserRepository, AuthSessionRepository, TransactionService } from '@app/database';
import { AuditService } from './audit.service';
import { toAuthUser } from './auth.service';
import { hashPassword } from './password-hasher';

export interface CreateUserInput {
  email: string;
  name: string;
  role: UserRole;
  password: string;
}

export interface UpdateUserInput {
  name?: string;
  role?: UserRole;
  password?: string;
  disabled?: boolean;
}

export function toUserView(u: AppUserEntity): UserView {
  return { ...toAuthUser(u), disabled: u.disabled, createdAt: u.createdAt.toISOString(), updatedAt: u.updatedAt.toISOString() };
}

/** What the audit log keeps of an account: never the password hash. */
const audited = (u: AppUserEntity) => ({ ...toAuthUser(u), disabled: u.disabled });

/** Account management (admins). Every change is audited in the same transaction. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: AppUserRepository,
    private readonly sessions: AuthSessionRepository,
    private readonly tx: TransactionService,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(toUserView);
  }

  async create(input: CreateUserInput, actor: AuthUser | null): Promise<UserView> {
    const passwordHash = await hashPassword(input.password);
    return this.tx.run(async (m) => {
      const user = await this.users.create({ email: input.email.trim(), name: input.name.trim(), role: input.role, passwordHash }, m);
      if (!user) throw new DomainError(ErrorCode.UserExists, 'A user with this email exists already', 409);
      await this.audit.record({ actor, action: 'user.create', targetType: 'user', targetId: user.id, after: audited(user) }, m);
      return toUserView(user);
    });
  }

  /**
   * Changes name, role, password or disabled. Disabling or a new password signs the user out everywhere.
   * The last enabled admin can be neither demoted nor disabled (nobody could manage accounts any more).
   */
  async update(id: string, patch: UpdateUserInput, actor: AuthUser): Promise<UserView> {
    const passwordHash = patch.password ? await hashPassword(patch.password) : undefined;
    return this.tx.run(async (m) => {
      const before = await this.users.lockForUpdate(m, id);
      if (!before) throw new DomainError(ErrorCode.UserNotFound, 'No such user', 404);
      const losesAdmin = before.role === 'admin' && !before.disabled && ((patch.role && patch.role !== 'admin') || patch.disabled === true);
      if (losesAdmin && (await this.users.countActiveAdmins(m, id)) === 0) {
        throw new DomainError(ErrorCode.ValidationFailed, 'This is the last enabled admin: create another admin first', 409);
      }
      const after = (await this.users.update(m, id, { name: patch.name?.trim(), role: patch.role, disabled: patch.disabled, passwordHash }))!;
      if (passwordHash || patch.disabled === true) await this.sessions.revokeAllOf(m, id);
      await this.audit.record(
        {
          actor,
          action: 'user.update',
          targetType: 'user',
          targetId: id,
          before: audited(before),
          after: audited(after),
          reason: passwordHash ? 'password changed' : undefined,
        },
        m,
      );
      return toUserView(after);
    });
  }
}
