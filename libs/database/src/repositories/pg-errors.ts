const UNIQUE_VIOLATION = '23505';
/** A NUL character in a text value (`invalid byte sequence … 0x00`), or `\u0000` in a jsonb one. */
const TEXT_REFUSED = new Set(['22021', '22P05']);

function sqlState(error: unknown): string | undefined {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  return e?.driverError?.code ?? e?.code;
}

/** PostgreSQL refused a text value the client sent (a NUL character, which no text column can hold). */
export function isTextRefused(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && TEXT_REFUSED.has(code);
}

/** A PostgreSQL unique_violation, as the pg driver reports it or as TypeORM wraps it (`driverError`). */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === UNIQUE_VIOLATION;
}
