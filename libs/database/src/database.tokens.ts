/** Injection token of the open {@link DatabaseHandle} (data-source.ts). */
export const DATABASE_HANDLE = Symbol('DATABASE_HANDLE');
