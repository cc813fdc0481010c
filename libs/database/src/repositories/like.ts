/** `text` as a LIKE pattern matching itself: `%`, `_` and `\` escaped (PostgreSQL's default escape is `\`). */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
