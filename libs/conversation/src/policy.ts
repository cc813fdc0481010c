import type { ReviewReason } from '@app/contracts';

export interface Thresholds {
  answer: number;
  retrieval: number;
  review: number;
}

/** Where a turn goes first, before the template service has had its say. */
export type FirstRoute = 'template' | 'retrieval' | 'fallback';

/**
 * The routing rule of docs/model-format.md on the calibrated top-1 probability:
 * ≥ answer → the intent's template; ≥ retrieval → search; below → fallback (offer a human).
 * An open slot question goes to the template service whatever the confidence, because the customer's
 * answer ("it's 12345") rarely looks like any intent.
 */
export function firstRoute(confidence: number, t: Thresholds, hasPendingSlot: boolean): FirstRoute {
  if (hasPendingSlot || confidence >= t.answer) return 'template';
  if (confidence >= t.retrieval) return 'retrieval';
  return 'fallback';
}

/** Where to go when the template service had nothing for the intent (no template, or disabled). */
export function afterNoTemplate(confidence: number, t: Thresholds): 'retrieval' | 'fallback' {
  return confidence >= t.retrieval ? 'retrieval' : 'fallback';
}

/** Why a turn is queued for agent review, or null. A fallback always is; otherwise low confidence. */
export function reviewReason(route: 'template' | 'slot_prompt' | 'retrieval' | 'fallback', confidence: number | null, t: Thresholds | null): ReviewReason | null {
  if (route === 'fallback') return 'fallback';
  if (confidence !== null && t !== null && confidence < t.review) return 'low_confidence';
  return null;
}

/** Manifest thresholds with the config's overrides on top. */
export function effectiveThresholds(model: Thresholds, overrides: Partial<Thresholds>): Thresholds {
  return {
    answer: overrides.answer ?? model.answer,
    retrieval: overrides.retrieval ?? model.retrieval,
    review: overrides.review ?? model.review,
  };
}
