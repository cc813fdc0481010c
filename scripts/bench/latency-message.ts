/**
 * The one message whose latency the benches time: 16 ids with [CLS]/[SEP] for the default model (bench:nlu checks
 * it at start-up), everyday support traffic. bench:chat parses it to measure how fast the machine is right now.
 */
export const LATENCY_MESSAGE = 'hi, I would like to cancel my order, it arrived too late';
