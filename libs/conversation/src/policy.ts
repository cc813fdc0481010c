import type { ReplyRoute, ReviewReason } from '@app/contracts';

export interface Thresholds {
  answer: number;
  retrieval: number;
  review: number;
}

/** Where a turn goes first, before the template service has had its say. */
export type FirstRoute = 'template' | 'retrieval' | 'fallback';

/**
 * The reserved label a model learns from off-topic data (docs/model-format.md). It never gets a
 * template and never searches the help center: the nearest article to "play some jazz" is unrelated
 * by definition, so the honest answer is the fallback (offer a human), and the turn is queued for review.
 */
export const OUT_OF_SCOPE_INTENT = 'out_of_scope';

/**
 * The reserved labels for "yes" and "no" (docs/model-format.md). Alone they say nothing about what the customer
 * wants; right after the fallback asked "… or would you like to talk to a person?" they answer that question.
 */
export const AFFIRM_INTENT = 'affirm';
export const DENY_INTENT = 'deny';

/**
 * Intents never offered as "did you mean …?" buttons after a fallback: small talk and yes/no (a button that says
 * "Greeting" helps nobody), and the off-topic label.
 */
export const NOT_SUGGESTED: ReadonlySet<string> = new Set([OUT_OF_SCOPE_INTENT, AFFIRM_INTENT, DENY_INTENT, 'greet', 'goodbye', 'thank_you', 'bot_challenge']);
/** Calibrated probability an intent needs to be offered as a button after a fallback (the two likeliest at most). */
export const SUGGEST_MIN_CONFIDENCE = 0.1;
export const MAX_SUGGESTIONS = 2;

/**
 * The intents worth asking "did you mean …?" about after a fallback (Rasa's two-stage fallback, Dialogflow's
 * follow-up chips): the likeliest ones of the ranking above {@link SUGGEST_MIN_CONFIDENCE}, none when the top one is
 * off-topic (nothing to guess), nor small talk or the handoff intents (the "Talk to a person" button is there).
 */
export function suggestionCandidates(ranking: ReadonlyArray<{ name: string; confidence: number }>, handoffIntents: ReadonlySet<string>): string[] {
  if (ranking.length === 0 || ranking[0].name === OUT_OF_SCOPE_INTENT) return [];
  return answerable(ranking, SUGGEST_MIN_CONFIDENCE, handoffIntents);
}

/** Calibrated probability an intent needs for its template to be drafted for the agent (the three likeliest at most). */
export const DRAFT_MIN_CONFIDENCE = 0.05;
export const MAX_DRAFTS = 3;

/**
 * The intents whose templates are drafted for the agent who has the conversation (like the smart replies of
 * Dialogflow's Agent Assist): the likeliest of the ranking above {@link DRAFT_MIN_CONFIDENCE}, without small talk or
 * the handoff intents. Unlike the customer's buttons this does not stop at an off-topic top intent: the agent reads
 * a draft before sending it, so a second guess is worth showing.
 */
export function draftCandidates(ranking: ReadonlyArray<{ name: string; confidence: number }>, handoffIntents: ReadonlySet<string>): string[] {
  return answerable(ranking, DRAFT_MIN_CONFIDENCE, handoffIntents).slice(0, MAX_DRAFTS);
}

/** The ranking's intents at or above `min` that a template answers: no small talk, yes/no, off-topic or handoff. */
function answerable(ranking: ReadonlyArray<{ name: string; confidence: number }>, min: number, handoffIntents: ReadonlySet<string>): string[] {
  return ranking.filter((r) => r.confidence >= min && !NOT_SUGGESTED.has(r.name) && !handoffIntents.has(r.name)).map((r) => r.name);
}

/** The reply routes that end in the question "would you like to talk to a person?" (the fallback's text). */
const OFFERS_A_PERSON: ReadonlySet<ReplyRoute> = new Set(['fallback']);

/**
 * What the message says to the person the bot's previous reply offered: `accept` on a confident `affirm`,
 * `decline` on a confident `deny`, null when the previous reply offered none or the message is something else
 * ("yes, but where is my order 123?" is its own intent and is answered as such).
 */
export function answerToOffer(previousRoute: ReplyRoute | null, intent: string, confidence: number, t: Thresholds): 'accept' | 'decline' | null {
  if (previousRoute === null || !OFFERS_A_PERSON.has(previousRoute) || confidence < t.answer) return null;
  if (intent === AFFIRM_INTENT) return 'accept';
  if (intent === DENY_INTENT) return 'decline';
  return null;
}

/**
 * The routing rule of docs/model-format.md on the calibrated top-1 probability:
 * ≥ answer → the intent's template; ≥ retrieval → search; below → fallback (offer a human).
 * An open slot question goes to the template service whatever the confidence or intent, because the
 * customer's answer ("it's 12345") rarely looks like any intent (a model may well call it out_of_scope).
 * Otherwise `out_of_scope` goes straight to the fallback, however confident.
 */
export function firstRoute(confidence: number, t: Thresholds, hasPendingSlot: boolean, intent?: string): FirstRoute {
  if (hasPendingSlot) return 'template';
  if (intent === OUT_OF_SCOPE_INTENT) return 'fallback';
  if (confidence >= t.answer) return 'template';
  if (confidence >= t.retrieval) return 'retrieval';
  return 'fallback';
}

/** "Can I talk to a person?": a confident intent of `CHAT_HANDOFF_INTENTS` is answered by handing over. */
export function asksForPerson(intent: string, confidence: number, t: Thresholds, handoffIntents: ReadonlySet<string>): boolean {
  return handoffIntents.has(intent) && confidence >= t.answer;
}

/**
 * Where a message goes when nothing is pending (no open slot question, no offer of a person): a confident request
 * for a person hands over; else {@link firstRoute}, and a confident intent without an enabled template goes on as
 * {@link afterNoTemplate}. The turn applies the same rules with its conversation's state (TurnService.decide).
 */
export function openingRoute(intent: string, confidence: number, t: Thresholds, handoffIntents: ReadonlySet<string>, hasTemplate: boolean): 'handoff' | FirstRoute {
  if (asksForPerson(intent, confidence, t, handoffIntents)) return 'handoff';
  const first = firstRoute(confidence, t, false, intent);
  return first === 'template' && !hasTemplate ? afterNoTemplate(confidence, t, intent) : first;
}

/** Where to go when the template service had nothing for the intent (no template, or disabled). */
export function afterNoTemplate(confidence: number, t: Thresholds, intent?: string): 'retrieval' | 'fallback' {
  return confidence >= t.retrieval && intent !== OUT_OF_SCOPE_INTENT ? 'retrieval' : 'fallback';
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
