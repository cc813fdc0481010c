import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Entity, NluResult } from '@app/contracts';
import { AnswerTemplate, AnswerTemplateRepository } from '@app/database';
import { CompanyProfile, FilledSlot, SlotStateView, TemplateOutcome } from '../answers.types';
import { COMPANY_PROFILE, SLOT_TTL_SECONDS, SlotValueParser } from '../answers.tokens';
import { isBareAnswer } from './bare-value';
import { pickVariant, renderTemplate, slotsIn } from './template-renderer';

export interface TemplateInput {
  nlu: NluResult;
  /** The conversation's pending slot, or null. */
  pending: SlotStateView | null;
  now: Date;
  /** Seeds the variant rotation so one conversation walks through the variants instead of repeating one. */
  conversationId?: string;
  /** The inbound message's sequence number; advances the rotation. */
  seq?: number;
}

const CANCEL = /^\s*(?:(?:oh\s+|ok(?:ay)?\s+|no\s*,?\s+)?(?:cancel(?:\s+(?:that|it|this))?|never\s*mind|nevermind|forget\s+(?:it|that|about\s+it)|stop(?:\s+(?:it|that))?|abort|quit)|no\s+thanks?|no\s+thank\s+you)\s*[.!]*\s*$/i;
const CANCELLED_TEXT = "No problem, I've dropped that. What else can I help you with?";
const RETRY_PREFIX = "Sorry, I didn't catch that. ";

/**
 * The template route: picks an intent's template, fills its slots from the customer's entities, asks for a missing
 * required entity and keeps that question open across turns. After any outcome other than `ask` the caller deletes
 * the conversation's pending slot; after `ask` it stores `slot`.
 */
@Injectable()
export class TemplateService {
  private readonly ttlMs: number;

  constructor(
    private readonly templates: AnswerTemplateRepository,
    private readonly slotParser: SlotValueParser,
    @Inject(COMPANY_PROFILE) private readonly company: CompanyProfile,
    @Optional() @Inject(SLOT_TTL_SECONDS) ttlSeconds?: number,
  ) {
    this.ttlMs = (ttlSeconds ?? 900) * 1000;
  }

  /** The name of the intent's enabled template ("How to track an order"), which a "did you mean" button shows and sends. */
  async suggestionFor(intent: string): Promise<string | null> {
    const template = await this.templates.findForIntent(intent);
    return template?.name.trim() || null;
  }

  /** Whether the intent has an enabled template (what the template route would answer from). */
  async hasTemplate(intent: string): Promise<boolean> {
    return (await this.templates.findForIntent(intent)) !== null;
  }

  /** See `TemplatePort.draft`: what an agent could send for the intent, filled from the conversation's entities. */
  async draft(intent: string, entities: readonly Entity[], seed: string): Promise<{ templateId: string; name: string; text: string; missing: string[] } | null> {
    const template = await this.templates.findForIntent(intent);
    if (!template) return null;
    const filled = entitiesToSlots(entities);
    const missing = template.requiredEntities.filter((req) => !satisfied(req, filled));
    const text = missing.length > 0 ? (template.prompts[missing[0]] ?? defaultPrompt(missing[0])) : renderTemplate(this.chooseVariant(template, filled, seed, 0), filled, this.company);
    return { templateId: template.id, name: template.name, text, missing };
  }

  async respond(input: TemplateInput): Promise<TemplateOutcome> {
    const pending = input.pending && input.pending.expiresAt.getTime() > input.now.getTime() ? input.pending : null;
    if (pending && CANCEL.test(input.nlu.text)) return { kind: 'cancelled', text: CANCELLED_TEXT };
    if (pending && !this.switchesIntent(pending, input.nlu)) {
      const template = await this.templates.findCachedById(pending.templateId);
      if (template?.enabled) return this.continueSlot(template, pending, input);
    }
    const template = await this.templates.findForIntent(input.nlu.intent.name);
    if (!template) return { kind: 'none' };
    const filled = entitiesToSlots(input.nlu.entities);
    return this.answerOrAsk(template, filled, input, false);
  }

  /**
   * A confident, different intent wins over the pending question ("actually, how do I reset my password?"), unless
   * the message is just a value for it: a lone "12345" often looks confidently like track_order to the model.
   */
  private switchesIntent(pending: SlotStateView, nlu: NluResult): boolean {
    if (nlu.intent.name === pending.intent || nlu.intent.confidence < nlu.thresholds.answer) return false;
    return !pending.asked.split('|').some((label) => isBareAnswer(label, nlu.text));
  }

  private continueSlot(template: AnswerTemplate, pending: SlotStateView, input: TemplateInput): TemplateOutcome {
    const filled = { ...pending.filled };
    for (const [label, slot] of Object.entries(entitiesToSlots(input.nlu.entities))) filled[label] ??= slot;
    const gotAsked = satisfied(pending.asked, filled);
    if (!gotAsked) {
      const bare = this.parseBare(pending.asked, input.nlu.text);
      if (bare) filled[bare.label] = bare.slot;
    }
    const retry = !satisfied(pending.asked, filled);
    return this.answerOrAsk(template, filled, input, retry);
  }

  private parseBare(requirement: string, text: string): { label: string; slot: FilledSlot } | null {
    for (const label of requirement.split('|')) {
      const parsed = this.slotParser.parse(label, text);
      if (parsed && parsed.text.trim() !== '') return { label, slot: parsed };
    }
    return null;
  }

  private answerOrAsk(template: AnswerTemplate, filled: Record<string, FilledSlot>, input: TemplateInput, retry: boolean): TemplateOutcome {
    const missing = template.requiredEntities.filter((req) => !satisfied(req, filled));
    if (missing.length > 0) {
      const asked = missing[0];
      const prompt = template.prompts[asked] ?? defaultPrompt(asked);
      const slot: SlotStateView = {
        intent: template.intent,
        templateId: template.id,
        filled,
        missing,
        asked,
        expiresAt: new Date(input.now.getTime() + this.ttlMs),
      };
      return { kind: 'ask', text: retry ? RETRY_PREFIX + prompt : prompt, templateId: template.id, slot };
    }
    const seed = `${input.conversationId ?? input.nlu.text}:${template.id}`;
    const turn = input.seq ?? Math.floor(input.now.getTime() / 1000);
    const text = renderTemplate(this.chooseVariant(template, filled, seed, turn), filled, this.company);
    return { kind: 'answer', text, templateId: template.id, filled, ...(template.webhook ? { webhook: { name: template.name, intent: template.intent } } : {}) };
  }

  /** Rotates among the variants whose slots are all filled (a variant naming a city only when a city was given). */
  private chooseVariant(template: AnswerTemplate, filled: Record<string, FilledSlot>, seed: string, turn: number): string {
    const usable = template.variants.filter((v) => slotsIn(v).every((s) => filled[s] !== undefined));
    const withSlots = usable.filter((v) => slotsIn(v).length > 0);
    // Prefer variants that echo the customer's details back, when there are any.
    const pool = withSlots.length > 0 ? withSlots : usable.length > 0 ? usable : template.variants;
    if (pool.length === 0) return '';
    return pool[pickVariant(pool.length, seed, turn)];
  }
}

/** First entity of each label, with its normalised value when the NLU produced one. */
function entitiesToSlots(entities: readonly Entity[]): Record<string, FilledSlot> {
  const out: Record<string, FilledSlot> = {};
  for (const e of entities) {
    if (out[e.label] || e.text.trim() === '') continue;
    out[e.label] = e.value === undefined ? { text: e.text } : { text: e.text, value: e.value };
  }
  return out;
}

function satisfied(requirement: string, filled: Record<string, FilledSlot>): boolean {
  return requirement.split('|').some((label) => filled[label] !== undefined);
}

function defaultPrompt(requirement: string): string {
  const words = requirement.split('|').map((l) => l.replace(/_id$/, ' number').replace(/_/g, ' '));
  return `Could you give me your ${words.join(' or ')}?`;
}
