const UNIQUE_VIOLATION = '23505';

/** A PostgreSQL unique_violation, as the pg driver reports it or as TypeORM wraps it (`driverError`). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  return e?.code === UNIQUE_VIOLATION || e?.driverError?.code === UNIQUE_VIOLATION;
}
