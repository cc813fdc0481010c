import { ConfigError, loadConfig } from './load-config';

describe('loadConfig', () => {
  it('returns defaults for an empty environment: PGlite, port 3000, int8, 2000 chars', () => {
    const sut = loadConfig({});
    expect(sut.http.port).toBe(3000);
    expect(sut.database).toEqual({ kind: 'pglite', dataDir: 'var/pglite', thread: true, vacuumIntervalSeconds: 600 });
    expect(sut.redis.url).toBeNull();
    expect(sut.nlu).toEqual({ modelDir: 'models/default', variant: 'int8', threads: 1, workers: 2, spin: false, callTimeoutMs: 10000, maxBatch: 32, thresholds: { answer: undefined, retrieval: undefined, review: undefined } });
    expect(sut.chat.maxMessageChars).toBe(2000);
    expect(sut.http.corsOrigins).toEqual(['self', 'localhost']);
    expect(sut.rateLimit).toEqual({ windowMs: 60_000, messagesPerConnection: 30, eventsPerConnection: 300, connectionsPerIp: 120, httpPerIp: 600 });
    expect(sut.http.trustProxy).toBe(false);
  });

  it('takes * only when set explicitly, and refuses an origin with a path', () => {
    expect(loadConfig({ CORS_ORIGINS: '*' }).http.corsOrigins).toBe('*');
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example/path' })).toThrow(/CORS_ORIGINS/);
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
  });

  it('takes the embedded database vacuum interval in seconds (0 = never) and refuses a negative one', () => {
    expect(loadConfig({ PGLITE_VACUUM_INTERVAL_SECONDS: '0' }).database).toMatchObject({ kind: 'pglite', vacuumIntervalSeconds: 0 });
    expect(() => loadConfig({ PGLITE_VACUUM_INTERVAL_SECONDS: '-5' })).toThrow(/PGLITE_VACUUM_INTERVAL_SECONDS/);
  });

  it('switches to PostgreSQL when DATABASE_URL is set and parses numbers and lists', () => {
    const sut = loadConfig({
      DATABASE_URL: 'postgres://u:p@localhost:5432/db',
      PORT: '8080',
      THRESHOLD_ANSWER: '0.9',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      NLU_VARIANT: 'fp32',
    });
    expect(sut.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@localhost:5432/db', poolSize: 10, idleTimeoutSeconds: 300 });
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@localhost:5432/db', DATABASE_IDLE_TIMEOUT_SECONDS: '0' }).database).toMatchObject({ idleTimeoutSeconds: 0 });
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u:p@localhost:5432/db', DATABASE_IDLE_TIMEOUT_SECONDS: '-1' })).toThrow(/DATABASE_IDLE_TIMEOUT_SECONDS/);
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@localhost:5432/db', DATABASE_POOL_SIZE: '24' }).database).toMatchObject({ poolSize: 24 });
    expect(() => loadConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
    expect(sut.http.port).toBe(8080);
    expect(sut.nlu.thresholds.answer).toBe(0.9);
    expect(sut.nlu.variant).toBe('fp32');
    expect(sut.http.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('treats empty strings as unset', () => {
    const sut = loadConfig({ DATABASE_URL: '', REDIS_URL: ' ', PORT: '' });
    expect(sut.database.kind).toBe('pglite');
    expect(sut.redis.url).toBeNull();
    expect(sut.http.port).toBe(3000);
  });

  it('lists every invalid variable at once', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'abc', NLU_VARIANT: 'fp16', THRESHOLD_REVIEW: '1.5', DATABASE_URL: 'mysql://x', MAX_MESSAGE_CHARS: '0', NLU_SPIN: 'yes' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const variables = (caught as ConfigError).issues.map((i) => i.variable).sort();
    expect(variables).toEqual(['DATABASE_URL', 'MAX_MESSAGE_CHARS', 'NLU_SPIN', 'NLU_VARIANT', 'PORT', 'THRESHOLD_REVIEW']);
  });

  it('reads the handoff intents as a list, none as no intent, and refuses anything else', () => {
    expect(loadConfig({}).chat.handoffIntents).toEqual(['contact_human_agent']);
    expect(loadConfig({ CHAT_HANDOFF_INTENTS: 'contact_human_agent, complaint' }).chat.handoffIntents).toEqual(['contact_human_agent', 'complaint']);
    expect(loadConfig({ CHAT_HANDOFF_INTENTS: 'none' }).chat.handoffIntents).toEqual([]);
    expect(() => loadConfig({ CHAT_HANDOFF_INTENTS: 'talk to human' })).toThrow(/CHAT_HANDOFF_INTENTS/);
    expect(() => loadConfig({ CHAT_HANDOFF_INTENTS: 'a,,b' })).toThrow(/CHAT_HANDOFF_INTENTS/);
  });

  it('reads the event webhook: off by default, all events or a list, and a secret required with the URL', () => {
    expect(loadConfig({}).events).toMatchObject({ url: null, secret: null, timeoutMs: 5000, maxAttempts: 12, retryBaseMs: 2000 });
    expect(loadConfig({}).events.events).toContain('message.created');
    const on = loadConfig({ EVENT_WEBHOOK_URL: 'https://crm.example/hooks/parley', EVENT_WEBHOOK_SECRET: 's'.repeat(16), EVENT_WEBHOOK_EVENTS: ' handoff.requested , csat.submitted,handoff.requested' });
    expect(on.events).toMatchObject({ url: 'https://crm.example/hooks/parley', events: ['handoff.requested', 'csat.submitted'] });
    expect(() => loadConfig({ EVENT_WEBHOOK_URL: 'https://crm.example/hooks/parley' })).toThrow(/EVENT_WEBHOOK_SECRET is required/);
    expect(() => loadConfig({ EVENT_WEBHOOK_EVENTS: 'message.created,message.deleted' })).toThrow(/EVENT_WEBHOOK_EVENTS must be all or/);
    expect(() => loadConfig({ EVENT_WEBHOOK_EVENTS: 'messageXcreated' })).toThrow(/EVENT_WEBHOOK_EVENTS/);
    expect(() => loadConfig({ EVENT_WEBHOOK_URL: 'ftp://x' , EVENT_WEBHOOK_SECRET: 's'.repeat(16) })).toThrow(/EVENT_WEBHOOK_URL/);
  });

  it('reads NLU_SPIN as a boolean', () => {
    expect(loadConfig({ NLU_SPIN: 'true', NLU_THREADS: '2', NLU_WORKERS: '1' }).nlu).toMatchObject({ spin: true, threads: 2, workers: 1 });
  });

  it('returns a deeply frozen object', () => {
    const sut = loadConfig({});
    expect(Object.isFrozen(sut)).toBe(true);
    expect(Object.isFrozen(sut.nlu.thresholds)).toBe(true);
  });

  it('reads business hours in their time zone, refuses a bad schedule, zone or date, and is always open without them', () => {
    expect(loadConfig({}).businessHours).toBeNull();
    const sut = loadConfig({ BUSINESS_HOURS: 'mon-fri 09:00-17:00', BUSINESS_TIMEZONE: 'Europe/Berlin', BUSINESS_CLOSED_DATES: '2026-12-25' });
    expect(sut.businessHours).toMatchObject({ timeZone: 'Europe/Berlin', closedDates: ['2026-12-25'] });
    expect(sut.businessHours!.windows).toHaveLength(5);
    // Holidays alone: open around the clock except on them.
    expect(loadConfig({ BUSINESS_CLOSED_DATES: '2026-12-25' }).businessHours!.windows).toHaveLength(7);
    expect(() => loadConfig({ BUSINESS_HOURS: 'weekdays 9-5' })).toThrow(/BUSINESS_HOURS: "weekdays 9-5" must start with days/);
    expect(() => loadConfig({ BUSINESS_HOURS: 'mon 09:00-17:00', BUSINESS_TIMEZONE: 'Mars/Olympus' })).toThrow(/BUSINESS_TIMEZONE/);
    expect(() => loadConfig({ BUSINESS_CLOSED_DATES: '25.12.2026' })).toThrow(/BUSINESS_CLOSED_DATES: "25.12.2026" is not a date/);
  });

  it('auto-resolves idle conversations only when asked to, for up to a year', () => {
    expect(loadConfig({}).chat.autoResolveHours).toBe(0);
    expect(loadConfig({ CONVERSATION_AUTO_RESOLVE_HOURS: '168' }).chat.autoResolveHours).toBe(168);
    expect(() => loadConfig({ CONVERSATION_AUTO_RESOLVE_HOURS: '8761' })).toThrow(/CONVERSATION_AUTO_RESOLVE_HOURS/);
    expect(() => loadConfig({ CONVERSATION_AUTO_RESOLVE_HOURS: '1.5' })).toThrow(/CONVERSATION_AUTO_RESOLVE_HOURS/);
    expect(loadConfig({}).chat.retentionDays).toBe(0);
    expect(loadConfig({ CONVERSATION_RETENTION_DAYS: '365' }).chat.retentionDays).toBe(365);
    expect(() => loadConfig({ CONVERSATION_RETENTION_DAYS: '-1' })).toThrow(/CONVERSATION_RETENTION_DAYS/);
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ SOMETHING_ELSE: 'x', PATH: '/bin' })).not.toThrow();
  });
});
