import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { ackError, ChatEvent } from '@app/contracts';
import { toErrorBody } from './error-body';

/**
 * WS filter: a refused event answers through its ack callback when the client passed one
 * (`{ ok: false, error }`), otherwise with an `error` event. The socket stays connected.
 */
@Catch()
export class WsExceptionFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    const socket = ws.getClient<Socket>();
    const ack = host.getArgs().find((arg, i) => i > 0 && typeof arg === 'function') as ((a: unknown) => void) | undefined;
    const { body } = toErrorBody(error, `ws ${ws.getPattern?.() ?? ''}`);
    if (ack) ack(ackError(body));
    else socket.emit(ChatEvent.Error, body);
  }
}
