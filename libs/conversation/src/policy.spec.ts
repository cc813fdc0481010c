import { afterNoTemplate, draftCandidates, openingRoute, effectiveThresholds, firstRoute, OUT_OF_SCOPE_INTENT, reviewReason, suggestionCandidates, Thresholds } from './policy';

const t: Thresholds = { answer: 0.8, retrieval: 0.45, review: 0.8 };

describe('firstRoute', () => {
  it.each([
    [0.99, 'template'],
    [0.8, 'template'],
    [0.7999, 'retrieval'],
    [0.45, 'retrieval'],
    [0.4499, 'fallback'],
    [0, 'fallback'],
  ])('confidence %p → %s', (confidence, expected) => {
    expect(firstRoute(confidence, t, false)).toBe(expected);
  });

  it('sends an answer to an open slot question to the template service whatever the confidence', () => {
    expect(firstRoute(0.05, t, true)).toBe('template');
  });
});

describe('out_of_scope', () => {
  it('falls back however confident, and never searches', () => {
    expect(firstRoute(0.99, t, false, OUT_OF_SCOPE_INTENT)).toBe('fallback');
    expect(firstRoute(0.5, t, false, OUT_OF_SCOPE_INTENT)).toBe('fallback');
    expect(afterNoTemplate(0.99, t, OUT_OF_SCOPE_INTENT)).toBe('fallback');
  });

  it('still lets an open slot question take the answer (a bare "12345" may look off-topic)', () => {
    expect(firstRoute(0.99, t, true, OUT_OF_SCOPE_INTENT)).toBe('template');
  });

  it('leaves other intents to the thresholds', () => {
    expect(firstRoute(0.99, t, false, 'cancel_order')).toBe('template');
    expect(afterNoTemplate(0.5, t, 'cancel_order')).toBe('retrieval');
  });
});

describe('afterNoTemplate', () => {
  it('searches when confident enough for retrieval, else falls back', () => {
    expect(afterNoTemplate(0.95, t)).toBe('retrieval');
    expect(afterNoTemplate(0.45, t)).toBe('retrieval');
    expect(afterNoTemplate(0.2, t)).toBe('fallback');
  });
});

describe('reviewReason', () => {
  it('always queues a fallback', () => {
    expect(reviewReason('fallback', 0.99, t)).toBe('fallback');
    expect(reviewReason('fallback', null, null)).toBe('fallback');
  });

  it('queues a low-confidence answer and leaves a confident one alone', () => {
    expect(reviewReason('retrieval', 0.6, t)).toBe('low_confidence');
    expect(reviewReason('template', 0.79, t)).toBe('low_confidence');
    expect(reviewReason('template', 0.8, t)).toBeNull();
  });
});

describe('effectiveThresholds', () => {
  it('keeps the manifest values unless the config overrides them', () => {
    expect(effectiveThresholds(t, {})).toEqual(t);
    expect(effectiveThresholds(t, { answer: 0.9, review: undefined })).toEqual({ answer: 0.9, retrieval: 0.45, review: 0.8 });
  });
});

describe('draftCandidates (templates drafted for the agent)', () => {
  const ranking = (...pairs: Array<[string, number]>) => pairs.map(([name, confidence]) => ({ name, confidence }));
  const handoff = new Set(['contact_human_agent']);

  it('takes the three likeliest answerable intents at or above 0.05: no small talk, yes/no, off-topic or handoff intents', () => {
    const r = ranking(['greet', 0.4], ['track_order', 0.2], ['contact_human_agent', 0.15], ['delivery_period', 0.1], ['get_refund', 0.06], ['cancel_order', 0.05], ['place_order', 0.04]);
    expect(draftCandidates(r, handoff)).toEqual(['track_order', 'delivery_period', 'get_refund']);
  });

  it("still drafts a second guess under an off-topic top intent, which the customer's buttons do not offer", () => {
    const r = ranking([OUT_OF_SCOPE_INTENT, 0.8], ['track_order', 0.12]);
    expect(draftCandidates(r, handoff)).toEqual(['track_order']);
    expect(suggestionCandidates(r, handoff)).toEqual([]);
  });
});

describe('openingRoute (a message with nothing pending)', () => {
  const t: Thresholds = { answer: 0.8, retrieval: 0.3, review: 0.8 };
  const handoff = new Set(['contact_human_agent']);

  it.each([
    ['contact_human_agent', 0.95, true, 'handoff'],
    ['contact_human_agent', 0.5, true, 'retrieval'],
    ['track_order', 0.95, true, 'template'],
    ['track_order', 0.95, false, 'retrieval'],
    ['track_order', 0.5, true, 'retrieval'],
    ['track_order', 0.1, true, 'fallback'],
    [OUT_OF_SCOPE_INTENT, 0.99, true, 'fallback'],
  ] as const)('%s at %p (template: %p) → %s', (intent, confidence, hasTemplate, route) => {
    expect(openingRoute(intent, confidence, t, handoff, hasTemplate)).toBe(route);
  });
});
