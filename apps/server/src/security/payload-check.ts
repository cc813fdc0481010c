/**
 * Deepest nesting the server accepts in a socket payload or a JSON body. Real payloads are two or three levels
 * deep; the validators (class-transformer, class-validator) recurse, so a 5,000-level payload would otherwise
 * end in "Maximum call stack size exceeded" inside a handler.
 */
export const MAX_PAYLOAD_DEPTH = 32;

/** A UTF-16 surrogate without its other half: not Unicode text, and PostgreSQL (UTF-8) cannot store it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `value` cannot be a payload, or null: nested deeper than `maxDepth`, or holding a string (or key) that
 * is not well-formed Unicode (only a `\ud800` JSON escape produces one; a UTF-8 client cannot). Iterative: it
 * never recurses itself, whatever the depth.
 */
export function payloadProblem(value: unknown, maxDepth = MAX_PAYLOAD_DEPTH): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return 'Payload holds text that is not valid Unicode (a lone surrogate)';
      continue;
    }
    if (v === null || typeof v !== 'object' || Buffer.isBuffer(v) || ArrayBuffer.isView(v)) continue;
    if (depth >= maxDepth) return `Payload nested deeper than ${maxDepth} levels`;
    if (Array.isArray(v)) for (const child of v) stack.push([child, depth + 1]);
    else for (const [key, child] of Object.entries(v)) stack.push([key, depth + 1], [child, depth + 1]);
  }
  return null;
}
