export * from './nlu';
export * from './ack';
export * from './chat.dto';
export * from './chat.types';
export * from './error-codes';
export * from './socket-events';
export * from './agent';
export * from './admin';
