import type { Namespace, Server, Socket } from 'socket.io';
import type { AppConfig } from '@app/config';
import { ackError, ChatEvent, DomainError, ErrorCode, RateLimitedError, ValidationFailedError } from '@app/contracts';
import type { HttpRequest, HttpResponse, NextFunction } from '../http.types';
import { clientIp, IpSource } from './client-ip';
import { isOriginAllowed } from './origin-policy';
import { payloadProblem } from './payload-check';
import { RateLimitService } from './rate-limit.service';

/**
 * Names socket.io uses for its own events on the server-side socket: a client sending one (`error` is not
 * reserved on the wire) would otherwise reach socket.io's or a library's internal listener with its own data.
 */
const SERVER_ONLY_EVENTS = new Set(['error', 'connect', 'connection', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

/** Probes a load balancer polls: limiting them would take a healthy instance out of rotation. */
const UNLIMITED_PATHS = new Set(['/health', '/ready']);

/** Express middleware, mounted before the body parsers so a refused request's body is never read. */
export function httpRateLimit(limits: RateLimitService, config: AppConfig) {
  return (req: HttpRequest, res: HttpResponse, next: NextFunction) => {
    if (UNLIMITED_PATHS.has(req.path)) return next();
    limits.checkHttp(clientIp(req as HttpRequest & IpSource, config.http.trustProxy)).then(
      () => next(),
      (error: unknown) => {
        if (!(error instanceof RateLimitedError)) return next(error);
        res.setHeader('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
        res.status(error.httpStatus).json(error.toJSON());
      },
    );
  };
}

/**
 * After the body parsers: a body nested deeper than the validators can walk, or holding text that is not valid
 * Unicode (which PostgreSQL would refuse with an error), is refused as invalid before any handler runs.
 */
export function rejectInvalidBodies() {
  return (req: HttpRequest & { body?: unknown }, res: HttpResponse, next: NextFunction) => {
    const refusal = invalidPayload(req.body);
    if (!refusal) return next();
    res.status(400).json(refusal.toJSON());
  };
}

function invalidPayload(value: unknown): ValidationFailedError | null {
  const problem = payloadProblem(value);
  return problem ? new ValidationFailedError(problem) : null;
}

/** Headers every response carries: no MIME sniffing, no framing by other sites, no referrer leaks. */
export function securityHeaders() {
  return (_req: HttpRequest, res: HttpResponse, next: NextFunction) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };
}

/**
 * engine.io `allowRequest`: refuses a new connection (any transport, any namespace) whose Origin is not in
 * `CORS_ORIGINS` with 403 before a socket exists. CORS does not cover websocket upgrades; this does.
 */
export function allowSocketRequest(config: AppConfig) {
  return (req: { headers: Record<string, string | string[] | undefined> }, callback: (err: string | null | undefined, success: boolean) => void) => {
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const host = typeof req.headers.host === 'string' ? req.headers.host : undefined;
    if (isOriginAllowed(config.http.corsOrigins, origin, host)) return callback(null, true);
    callback('ORIGIN_NOT_ALLOWED', false);
  };
}

/**
 * Per-IP connection limit and per-socket event limits on every namespace (the widget's, the agent console's,
 * and any added later), registered before the gateways' own middleware so a refused connection costs no
 * database lookup. A refused connection gets `connect_error` with `data: { code: 'RATE_LIMITED', retryAfterMs }`;
 * a refused event is answered through its ack (or an `error` event) and never reaches its handler, so a message
 * is refused before it is stored — the client resends it later. An event no handler listens to is answered
 * `UNKNOWN_EVENT` the same way, and a payload nested deeper than the validators can walk, or holding text that is
 * not valid Unicode, `VALIDATION_FAILED`.
 */
export function attachSocketGuards(server: Server, limits: RateLimitService, config: AppConfig): void {
  const guard = (nsp: Namespace) => {
    nsp.use((socket, next) => {
      limits.checkConnection(clientIp(socket.request, config.http.trustProxy)).then(
        () => next(),
        (error: unknown) => next(Object.assign(new Error(error instanceof Error ? error.message : 'Connection refused'), { data: toBody(error) })),
      );
    });
    nsp.on('connection', (socket: Socket) => {
      socket.use((packet, next) => {
        const event = String(packet[0]);
        // An event no handler listens to would otherwise leave a client waiting for its ack forever.
        const ack = packet[packet.length - 1];
        const unknown = SERVER_ONLY_EVENTS.has(event) || socket.listeners(event).length === 0;
        const refusal =
          limits.checkEvent(socket.id, event) ??
          (unknown ? new DomainError(ErrorCode.UnknownEvent, `Unknown event ${JSON.stringify(event.slice(0, 64))}`) : null) ??
          invalidPayload(packet.slice(1, typeof ack === 'function' ? -1 : undefined));
        if (!refusal) return next();
        if (typeof ack === 'function') ack(ackError(refusal.toJSON()));
        else socket.emit(ChatEvent.Error, refusal.toJSON());
      });
    });
  };
  guard(server.of('/'));
  server.sockets.on('new_namespace', guard);
}

function toBody(error: unknown) {
  return error instanceof RateLimitedError ? error.toJSON() : { code: 'INTERNAL_ERROR', message: 'Connection refused' };
}
