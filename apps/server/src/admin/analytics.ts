import type { AnalyticsSummary } from '@app/contracts';
import type { AnalyticsCounts } from '@app/database';

const DAY_MS = 86_400_000;

/** The period of `days` whole UTC days ending with today: [midnight `days - 1` days ago, next midnight). */
export function analyticsPeriod(days: number, now = new Date()): { from: Date; to: Date } {
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY_MS);
  return { from: new Date(to.getTime() - days * DAY_MS), to };
}

/** Rates, route counts and a day-by-day series (every day of the period, zeros included) from the raw counts. */
export function buildAnalyticsSummary(counts: AnalyticsCounts, from: Date, to: Date): AnalyticsSummary {
  const byRoute = { template: 0, slot_prompt: 0, retrieval: 0, fallback: 0 };
  for (const { route, n } of counts.routes) if (route in byRoute) byRoute[route as keyof typeof byRoute] += n;
  const turns = counts.routes.reduce((sum, r) => sum + r.n, 0);
  const answered = byRoute.template + byRoute.slot_prompt + byRoute.retrieval;
  const rating = (r: string) => counts.feedback.find((f) => f.rating === r)?.n ?? 0;
  const up = rating('up');
  const down = rating('down');
  const { started, handedOff } = counts.conversations;
  const perDay = new Map(counts.daily.map((d) => [d.date, d]));
  const conversationsPerDay = new Map(counts.dailyConversations.map((d) => [d.date, d.n]));
  const daily: AnalyticsSummary['daily'] = [];
  for (let t = from.getTime(); t < to.getTime(); t += DAY_MS) {
    const date = new Date(t).toISOString().slice(0, 10);
    daily.push({ date, conversations: conversationsPerDay.get(date) ?? 0, turns: perDay.get(date)?.turns ?? 0, fallback: perDay.get(date)?.fallback ?? 0 });
  }
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    days: daily.length,
    conversations: { started, handedOff, containmentRate: ratio(started - handedOff, started) },
    replies: {
      turns,
      answered,
      fallback: byRoute.fallback,
      thumbsDown: down,
      byRoute,
      answeredRate: ratio(answered, turns),
      fallbackRate: ratio(byRoute.fallback, turns),
    },
    feedback: { up, down, satisfaction: ratio(up, up + down) },
    csat: {
      ...ratings(counts.csat),
      byAgent: counts.csatByAgent.map((a) => ({ agentId: a.agentId, name: a.name, ...ratings(a) })),
    },
    reviewPending: counts.reviewPending,
    intents: counts.intents,
    models: counts.models.map((m) => ({ ...m, firstSeen: m.firstSeen.toISOString() })),
    daily,
  };
}

/** Count, mean (2 decimals) and share of 4s and 5s of a set of 1–5 ratings. */
function ratings(r: { responses: number; sum: number; satisfied: number }): { responses: number; average: number | null; satisfiedRate: number | null } {
  return { responses: r.responses, average: r.responses > 0 ? Math.round((r.sum / r.responses) * 100) / 100 : null, satisfiedRate: ratio(r.satisfied, r.responses) };
}

function ratio(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}
