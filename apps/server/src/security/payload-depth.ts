/**
 * Deepest nesting the server accepts in a socket payload or a JSON body. Real payloads are two or three levels
 * deep; the validators (class-transformer, class-validator) recurse, so a 5,000-level payload would otherwise
 * end in "Maximum call stack size exceeded" inside a handler.
 */
export const MAX_PAYLOAD_DEPTH = 32;

/** Whether `value` nests objects/arrays deeper than `max` levels. Iterative: never recurses itself. */
export function nestedDeeperThan(value: unknown, max = MAX_PAYLOAD_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object' || Buffer.isBuffer(v) || ArrayBuffer.isView(v)) continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
