import { FilledSlot } from '../answers.types';
import { SlotValueParser } from '../answers.tokens';
import { extractBareValue } from './bare-value';

export type EntityNormaliser = (label: string, text: string) => unknown;

/**
 * SlotValueParser backed by a normaliser function (the NLU's `normaliseEntity` in the app). With no normaliser
 * (`null`) the extracted span is kept as typed, without a typed value.
 */
export class NluSlotValueParser extends SlotValueParser {
  constructor(private readonly normalise: EntityNormaliser | null) {
    super();
  }

  parse(label: string, text: string): FilledSlot | null {
    const span = extractBareValue(label, text);
    if (span === null) return null;
    if (!this.normalise) return { text: span };
    const value = this.normalise(label, span);
    // Identifiers must normalise; free text (names, cities) is useful even when no normaliser knows the label.
    if ((value === undefined || value === null) && /(_id|_number|_code|_amount)$/.test(label)) return null;
    return value === undefined || value === null ? { text: span } : { text: span, value };
  }
}
