export * from './test-app';
export * from './wait-for-event';
export * from './widget-client';
export * from './auth-client';
export * from './parley-process';
