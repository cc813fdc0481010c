import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { HttpRequest as Request, HttpResponse as Response } from '../http.types';
import { toErrorBody } from './error-body';

/** Global HTTP filter: every error leaves as `{ code, message }` (plus `errorId` on a 500). */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const { status, body } = toErrorBody(error, `${req.method} ${req.route?.path ?? req.path}`);
    if (!res.headersSent) res.status(status).json(body);
  }
}
