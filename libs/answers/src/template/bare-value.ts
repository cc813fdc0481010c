/**
 * Finds the value in a bare answer to a slot question ("it's 12345", "#A-1234", "sure, John Smith"). This only cuts
 * out the span; turning the span into a typed value is the NLU normalisers' job (see NluSlotValueParser).
 */
const FILLER = /^(?:(?:yes|yeah|yep|sure|ok(?:ay)?|of course|certainly|well|hi|hello|so|um+|uh+|please)\b[\s,.!:-]*)*(?:(?:it'?s|it is|that'?s|that is|this is|i think it'?s|i think|here it is|here you go|here|the [a-z ]{1,30}? is|my [a-z ]{1,30}? is|(?:the )?(?:order|invoice|bill|account|reference) (?:number|no\.?|id|#)\s*(?:is)?)\b[\s,:-]*)?/i;
const MAX_WORDS = 6;

function isIdLabel(label: string): boolean {
  return /(_id|_number|_code)$/.test(label);
}

/** The identifier token in the text: the longest token with a digit ("#A-1234" → "A-1234"), or null. */
function findIdentifier(text: string): string | null {
  const tokens = text.match(/[\p{L}\p{Nd}][\p{L}\p{Nd}-]*/gu) ?? [];
  const withDigit = tokens.map((t) => t.replace(/-+$/, '')).filter((t) => /\d/.test(t) && t.replace(/\D/g, '').length >= 3);
  if (withDigit.length === 0) return null;
  return withDigit.reduce((a, b) => (b.length > a.length ? b : a));
}

/** The span a slot answer holds for `label`, or null when the text does not look like a bare value. */
export function extractBareValue(label: string, text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > 200) return null;
  if (isIdLabel(label)) return findIdentifier(trimmed);
  const rest = trimmed.replace(FILLER, '').replace(/^[\s"'“]+|[\s"'”.!?,;]+$/g, '');
  if (rest === '' || rest.split(/\s+/).length > MAX_WORDS) return null;
  if (/amount|price|cost|fee/.test(label) && !/\d/.test(rest)) return null;
  return rest;
}

/**
 * True when the message is little more than a value for `label` ("12345", "it's #A-1234", "Anna Freeman"): then it
 * answers the pending question even if the model, seeing a lone number, is confident of some other intent.
 */
export function isBareAnswer(label: string, text: string): boolean {
  const span = extractBareValue(label, text);
  if (span === null) return false;
  const rest = text.replace(FILLER, '').replace(span, ' ');
  const residual = rest.match(/[\p{L}\p{Nd}]+/gu)?.length ?? 0;
  return isIdLabel(label) ? residual <= 2 : span.split(/\s+/).length <= 3 && residual === 0;
}
