import { BadRequestException, Logger, NotFoundException } from '@nestjs/common';
import { ConversationNotFoundError, ValidationFailedError } from '@app/contracts';
import { toErrorBody } from './error-body';

describe('toErrorBody', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('keeps a domain error code and status', () => {
    expect(toErrorBody(new ConversationNotFoundError(), 'test')).toEqual({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND', message: 'Unknown conversation' } });
    expect(toErrorBody(new ValidationFailedError('bad'), 'test')).toEqual({ status: 400, body: { code: 'VALIDATION_FAILED', message: 'bad' } });
  });

  it('maps Nest HTTP exceptions by status', () => {
    expect(toErrorBody(new NotFoundException('nope'), 'test')).toEqual({ status: 404, body: { code: 'NOT_FOUND', message: 'nope' } });
    expect(toErrorBody(new BadRequestException(['a', 'b']), 'test').body).toEqual({ code: 'VALIDATION_FAILED', message: 'a; b' });
  });

  it('keeps the code of the libs\' typed errors; no model is a 503', () => {
    const notReady = Object.assign(new Error('No NLU model is loaded yet'), { code: 'MODEL_NOT_READY' });
    expect(toErrorBody(notReady, 'test')).toEqual({ status: 503, body: { code: 'MODEL_NOT_READY', message: 'No NLU model is loaded yet' } });
  });

  it('maps body-parser refusals', () => {
    expect(toErrorBody(Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413 }), 'test')).toEqual({
      status: 413,
      body: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body too large' },
    });
  });

  it('maps text PostgreSQL cannot store (a NUL character) to a 400, not a 500', () => {
    const refused = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { driverError: { code: '22021' } });
    expect(toErrorBody(refused, 'test')).toEqual({ status: 400, body: { code: 'VALIDATION_FAILED', message: 'Text cannot contain a NUL character' } });
    expect(toErrorBody(Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' }), 'test').status).toBe(400);
  });

  it('turns anything else into a 500 with an errorId, logged, without internals', () => {
    const error = new Error('connection to 10.0.0.5 refused: password=hunter2');
    const { status, body } = toErrorBody(error, 'test');
    expect(status).toBe(500);
    expect(body).toEqual({ code: 'INTERNAL_ERROR', message: 'Internal error', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(Logger.prototype.error).toHaveBeenCalledWith(expect.objectContaining({ event: 'error.internal', errorId: body.errorId }));
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });
});
