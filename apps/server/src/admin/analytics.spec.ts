import type { AnalyticsCounts } from '@app/database';
import { analyticsPeriod, buildAnalyticsSummary } from './analytics';

const empty: AnalyticsCounts = { conversations: { started: 0, handedOff: 0 }, routes: [], feedback: [], csat: { responses: 0, sum: 0, satisfied: 0 }, csatByAgent: [], reviewPending: 0, intents: [], models: [], daily: [], dailyConversations: [] };

describe('analyticsPeriod', () => {
  it('is whole UTC days ending with today', () => {
    const { from, to } = analyticsPeriod(7, new Date('2026-12-07T15:30:00Z'));
    expect([from.toISOString(), to.toISOString()]).toEqual(['2026-12-01T00:00:00.000Z', '2026-12-08T00:00:00.000Z']);
  });
});

describe('buildAnalyticsSummary', () => {
  const { from, to } = analyticsPeriod(3, new Date('2026-12-07T10:00:00Z'));

  it('turns counts into rates and fills every day of the period', () => {
    const s = buildAnalyticsSummary(
      {
        ...empty,
        conversations: { started: 4, handedOff: 1 },
        routes: [
          { route: 'template', n: 6 },
          { route: 'slot_prompt', n: 1 },
          { route: 'retrieval', n: 1 },
          { route: 'fallback', n: 2 },
        ],
        feedback: [
          { rating: 'up', n: 3 },
          { rating: 'down', n: 1 },
        ],
        csat: { responses: 3, sum: 11, satisfied: 2 },
        csatByAgent: [
          { agentId: 'a1', name: 'Alex', responses: 2, sum: 9, satisfied: 2 },
          { agentId: null, name: null, responses: 1, sum: 2, satisfied: 0 },
        ],
        reviewPending: 5,
        daily: [{ date: '2026-12-06', turns: 10, fallback: 2 }],
        dailyConversations: [{ date: '2026-12-06', n: 4 }],
      },
      from,
      to,
    );
    expect(s.conversations).toEqual({ started: 4, handedOff: 1, containmentRate: 0.75 });
    expect(s.replies).toMatchObject({ turns: 10, answered: 8, fallback: 2, thumbsDown: 1, answeredRate: 0.8, fallbackRate: 0.2 });
    expect(s.feedback).toEqual({ up: 3, down: 1, satisfaction: 0.75 });
    expect(s.csat).toEqual({
      responses: 3,
      average: 3.67,
      satisfiedRate: 0.6667,
      byAgent: [
        { agentId: 'a1', name: 'Alex', responses: 2, average: 4.5, satisfiedRate: 1 },
        { agentId: null, name: null, responses: 1, average: 2, satisfiedRate: 0 },
      ],
    });
    expect(s.daily).toEqual([
      { date: '2026-12-05', conversations: 0, turns: 0, fallback: 0 },
      { date: '2026-12-06', conversations: 4, turns: 10, fallback: 2 },
      { date: '2026-12-07', conversations: 0, turns: 0, fallback: 0 },
    ]);
    expect(s).toMatchObject({ days: 3, reviewPending: 5, from: '2026-12-05T00:00:00.000Z', to: '2026-12-08T00:00:00.000Z' });
  });

  it('has no rate where there is nothing to divide by', () => {
    const s = buildAnalyticsSummary(empty, from, to);
    expect([s.conversations.containmentRate, s.replies.answeredRate, s.replies.fallbackRate, s.feedback.satisfaction, s.csat.average, s.csat.satisfiedRate]).toEqual([null, null, null, null, null, null]);
  });
});
