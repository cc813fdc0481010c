import type { Entity, NluResult } from '@app/contracts';
import type { AnswerTemplate, AnswerTemplateRepository } from '@app/database';
import { SlotStateView } from '../answers.types';
import { NluSlotValueParser } from './nlu-slot-value.parser';
import { TemplateService } from './template.service';

const NOW = new Date('2026-11-29T10:00:00Z');

function template(over: Partial<AnswerTemplate> = {}): AnswerTemplate {
  return {
    id: 'tpl-track',
    intent: 'track_order',
    name: 'Track',
    variants: ['Order {{order_id}} is on its way. Call {{company.support_phone}}.', 'You can follow order {{order_id}} on {{company.website_name}}.'],
    requiredEntities: ['order_id'],
    prompts: { order_id: 'Could you give me your order number?' },
    enabled: true,
    webhook: false,
    source: 'bitext',
    createdAt: NOW,
    updatedAt: NOW,
    ...over,
  };
}

function nlu(text: string, intent: string, confidence: number, entities: Partial<Entity>[] = []): NluResult {
  return {
    text,
    intent: { name: intent, confidence, logit: 3 },
    ranking: [{ name: intent, confidence, logit: 3 }],
    entities: entities.map((e) => ({ label: 'order_id', start: 0, end: 0, text: '', score: 0.99, ...e })),
    embedding: new Float32Array(4),
    truncated: false,
    model: { name: 'default', version: 'v1', variant: 'int8' },
    thresholds: { answer: 0.8, retrieval: 0.45, review: 0.8 },
    latencyMs: 1,
  };
}

function setup(templates: AnswerTemplate[] = [template()]) {
  const repo = {
    findForIntent: jest.fn(async (intent: string) => templates.find((t) => t.intent === intent && t.enabled) ?? null),
    findCachedById: jest.fn(async (id: string) => templates.find((t) => t.id === id) ?? null),
  };
  // Identifier normalisation as the NLU does it (upper-case, no '#'); the parser itself is under test here too.
  const parser = new NluSlotValueParser((label, text) => (label.endsWith('_id') ? { kind: 'identifier', value: text.replace(/^#/, '').toUpperCase() } : { kind: 'text', value: text }));
  const sut = new TemplateService(repo as unknown as AnswerTemplateRepository, parser, { website_name: 'Acme Shop', support_phone: '+1 555 0100' }, 600);
  return { sut, repo };
}

function pendingFor(over: Partial<SlotStateView> = {}): SlotStateView {
  return { intent: 'track_order', templateId: 'tpl-track', filled: {}, missing: ['order_id'], asked: 'order_id', expiresAt: new Date(NOW.getTime() + 60_000), ...over };
}

describe('TemplateService.draft (replies drafted for an agent)', () => {
  const entity = (text: string, label = 'order_id'): Entity => ({ label, start: 0, end: text.length, text, score: 0.99 });

  it('fills the template from the first entity of each label and names the template', async () => {
    const { sut } = setup();
    const draft = await sut.draft('track_order', [entity('A-77'), entity('B-12')], 'c1:3');
    expect(draft).toMatchObject({ templateId: 'tpl-track', name: 'Track', missing: [] });
    expect(draft!.text).toContain('A-77');
    expect(draft!.text).not.toContain('B-12');
    expect(draft!.text).not.toMatch(/\{\{/);
    expect((await sut.draft('track_order', [entity('A-77'), entity('B-12')], 'c1:3'))!.text).toBe(draft!.text);
  });

  it("gives the template's question when a required entity is missing, and null without an enabled template", async () => {
    const { sut } = setup([template(), template({ id: 'tpl-off', intent: 'get_refund', enabled: false })]);
    expect(await sut.draft('track_order', [entity('Paris', 'city')], 's')).toMatchObject({ missing: ['order_id'], text: 'Could you give me your order number?' });
    expect(await sut.draft('get_refund', [], 's')).toBeNull();
    expect(await sut.draft('nothing_here', [], 's')).toBeNull();
  });
});

describe('TemplateService', () => {
  it('answers with the entity value filled in and company facts from the profile', async () => {
    const { sut } = setup();
    const out = await sut.respond({ nlu: nlu('where is order #a-77', 'track_order', 0.97, [{ text: '#a-77', value: { kind: 'identifier', value: 'A-77' } }]), pending: null, now: NOW, conversationId: 'c1', seq: 1 });
    expect(out.kind).toBe('answer');
    if (out.kind !== 'answer') return;
    expect(out.text).toContain('A-77');
    expect(out.text).toMatch(/\+1 555 0100|Acme Shop/);
    expect(out.text).not.toMatch(/\{\{|\}\}/);
  });

  it('rotates variants across turns of one conversation and is reproducible for a given turn', async () => {
    const { sut } = setup();
    const ask = (seq: number) => sut.respond({ nlu: nlu('track 123', 'track_order', 0.97, [{ text: '123' }]), pending: null, now: NOW, conversationId: 'c9', seq });
    const texts = await Promise.all([1, 2, 3, 4].map(async (s) => ((await ask(s)) as { text: string }).text));
    expect(new Set(texts).size).toBe(2);
    expect(texts[0]).not.toBe(texts[1]);
    expect(((await ask(1)) as { text: string }).text).toBe(texts[0]);
  });

  it('asks for a missing required entity and returns a slot state that expires after the TTL', async () => {
    const { sut } = setup();
    const out = await sut.respond({ nlu: nlu('where is my order', 'track_order', 0.95), pending: null, now: NOW });
    expect(out).toEqual({
      kind: 'ask',
      text: 'Could you give me your order number?',
      templateId: 'tpl-track',
      slot: { intent: 'track_order', templateId: 'tpl-track', filled: {}, missing: ['order_id'], asked: 'order_id', expiresAt: new Date(NOW.getTime() + 600_000) },
    });
  });

  it('fills a pending slot from a bare answer the model did not tag ("it\'s #a-1234")', async () => {
    const { sut } = setup();
    const out = await sut.respond({ nlu: nlu("it's #a-1234", 'track_order', 0.3), pending: pendingFor(), now: NOW });
    expect(out.kind).toBe('answer');
    if (out.kind === 'answer') expect(out.text).toContain('A-1234');
  });

  it('prefers an entity the model tagged over parsing the bare text', async () => {
    const { sut } = setup();
    const out = await sut.respond({ nlu: nlu('12345', 'track_order', 0.5, [{ text: '12345', value: { kind: 'identifier', value: '12345' } }]), pending: pendingFor(), now: NOW });
    expect(out).toMatchObject({ kind: 'answer', filled: { order_id: { text: '12345' } } });
  });

  it('asks again, keeping the slot, when the answer holds no value', async () => {
    const { sut } = setup();
    const out = await sut.respond({ nlu: nlu('hmm I do not know', 'complaint', 0.2), pending: pendingFor(), now: NOW });
    expect(out.kind).toBe('ask');
    if (out.kind === 'ask') {
      expect(out.text).toMatch(/^Sorry, I didn't catch that\. Could you give me your order number\?$/);
      expect(out.slot.asked).toBe('order_id');
    }
  });

  it.each(['cancel', 'Never mind', 'forget it', 'stop!', 'ok cancel that'])('cancels a pending slot on "%s"', async (text) => {
    const { sut } = setup();
    const out = await sut.respond({ nlu: nlu(text, 'cancel_order', 0.9), pending: pendingFor(), now: NOW });
    expect(out.kind).toBe('cancelled');
  });

  it('does not treat "cancel my order" as cancelling the pending question', async () => {
    const cancel = template({ id: 'tpl-cancel', intent: 'cancel_order', variants: ['Cancelling {{order_id}}.'] });
    const { sut } = setup([template(), cancel]);
    const out = await sut.respond({ nlu: nlu('cancel my order 555', 'cancel_order', 0.97, [{ text: '555' }]), pending: pendingFor(), now: NOW });
    expect(out).toMatchObject({ kind: 'answer', templateId: 'tpl-cancel', text: 'Cancelling 555.' });
  });

  it('lets a confident different intent win over the pending slot', async () => {
    const reset = template({ id: 'tpl-pw', intent: 'recover_password', variants: ['Use "Forgot password".'], requiredEntities: [], prompts: {} });
    const { sut } = setup([template(), reset]);
    const out = await sut.respond({ nlu: nlu('how do I reset my password', 'recover_password', 0.96), pending: pendingFor(), now: NOW });
    expect(out).toMatchObject({ kind: 'answer', templateId: 'tpl-pw' });
  });

  it('takes a lone value as the answer even when the model is confident of another intent', async () => {
    const cancel = template({ id: 'tpl-cancel', intent: 'cancel_order', variants: ['Cancelling {{order_id}}.'] });
    const { sut } = setup([template(), cancel]);
    const out = await sut.respond({ nlu: nlu('12345', 'cancel_order', 0.95, [{ text: '12345' }]), pending: pendingFor(), now: NOW });
    expect(out).toMatchObject({ kind: 'answer', templateId: 'tpl-track' });
  });

  it('ignores an expired pending slot', async () => {
    const { sut, repo } = setup();
    const out = await sut.respond({ nlu: nlu('12345', 'complaint', 0.4), pending: pendingFor({ expiresAt: new Date(NOW.getTime() - 1) }), now: NOW });
    expect(out).toEqual({ kind: 'none' });
    expect(repo.findForIntent).toHaveBeenCalledWith('complaint');
  });

  it('returns none when no enabled template exists for the intent', async () => {
    const { sut } = setup([template({ enabled: false })]);
    expect(await sut.respond({ nlu: nlu('track 1', 'track_order', 0.99), pending: null, now: NOW })).toEqual({ kind: 'none' });
  });

  it('accepts either alternative of a requirement such as invoice_id|person_name', async () => {
    const inv = template({ id: 'tpl-inv', intent: 'get_invoice', variants: ['Invoice for {{person_name}}.', 'Invoice {{invoice_id}}.'], requiredEntities: ['invoice_id|person_name'], prompts: {} });
    const { sut } = setup([inv]);
    const ask = await sut.respond({ nlu: nlu('I need my invoice', 'get_invoice', 0.95), pending: null, now: NOW });
    expect(ask).toMatchObject({ kind: 'ask', text: 'Could you give me your invoice number or person name?' });
    const out = await sut.respond({ nlu: nlu('Anna Freeman', 'get_invoice', 0.5, [{ label: 'person_name', text: 'Anna Freeman' }]), pending: (ask as { slot: SlotStateView }).slot, now: NOW });
    expect(out).toMatchObject({ kind: 'answer', text: 'Invoice for Anna Freeman.' });
  });

  it('echoes customer text containing braces literally, never as a placeholder', async () => {
    const { sut } = setup();
    const out = await sut.respond({ nlu: nlu('track {{company.support_phone}}', 'track_order', 0.97, [{ text: '{{company.support_phone}}' }]), pending: null, now: NOW, seq: 0 });
    expect(out.kind).toBe('answer');
    if (out.kind === 'answer') expect(out.text.startsWith('Order {{company.support_phone}} is on its way') || out.text.includes('follow order {{company.support_phone}}')).toBe(true);
  });
});
