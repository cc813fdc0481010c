/**
 * Creates an agent or admin account from the command line (the database from the environment, as the server):
 *   npm run user:create -- --email ann@example.com --role agent [--name Ann] [--password '…']
 * Without --password a random one is generated and printed once. Written to the audit log (actor: none).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '@app/config';
import { USER_ROLES, UserRole } from '@app/contracts';
import { AppUserRepository, AuditLogRepository, openDatabase } from '@app/database';
import { hashPassword } from '../password-hasher';

const USAGE = "usage: npm run user:create -- --email EMAIL --role agent|admin [--name NAME] [--password PASSWORD]";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' } } });
  const email = values.email?.trim();
  const role = values.role as UserRole | undefined;
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email) || !role || !USER_ROLES.includes(role)) return fail(USAGE);
  if (values.password !== undefined && values.password.length < 12) return fail('--password must be at least 12 characters');
  const password = values.password ?? randomBytes(18).toString('base64url');
  const db = await openDatabase(loadConfigOrExit(process.env).database, { migrate: true, poolSize: 1 });
  try {
    const users = new AppUserRepository(db.dataSource);
    const user = await users.create({ email, name: values.name?.trim() || email.split('@')[0], role, passwordHash: await hashPassword(password) });
    if (!user) return fail(`a user with the email ${email.toLowerCase()} exists already`);
    await new AuditLogRepository(db.dataSource).insert({
      actorId: null,
      actorEmail: null,
      action: 'user.create',
      targetType: 'user',
      targetId: user.id,
      before: null,
      after: { id: user.id, email: user.email, name: user.name, role: user.role, disabled: false },
      reason: 'npm run user:create',
    });
    console.log(`created ${user.role} ${user.email} (${user.id})${values.password ? '' : `\npassword (shown once): ${password}`}`);
    return 0;
  } finally {
    await db.close();
  }
}

function fail(message: string): number {
  console.error(message);
  return 64;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
