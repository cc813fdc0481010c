import { Body, Controller, Headers, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiPayloadTooLargeResponse, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentUser, Roles, RolesGuard } from '@app/auth';
import { DomainError, ValidationFailedError } from '@app/contracts';
import type { AuthUser, TranscriptFormat, TranscriptImportMode, TranscriptImportResult } from '@app/contracts';
import { TranscriptImportService } from '@app/registry';
import { TranscriptImportQueryDto } from './admin.dto';

/** Content types read as a raw file (bootstrap.ts registers the text body parser for them). */
export const TRANSCRIPT_CONTENT_TYPES: Record<string, TranscriptFormat> = {
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/jsonlines': 'jsonl',
  'text/csv': 'csv',
};

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/transcripts')
@UseGuards(AuthGuard, RolesGuard)
@Roles('admin')
export class TranscriptsController {
  constructor(private readonly transcripts: TranscriptImportService) {}

  @Post('import')
  @ApiOperation({ summary: 'Import past conversations (JSON Lines or CSV); per-row errors; pre-labelled by the active model' })
  @ApiConsumes('application/x-ndjson', 'text/csv', 'application/json')
  @ApiBody({ description: 'The raw file, or { format: "jsonl"|"csv", data: "<file>", mode? }' })
  @ApiPayloadTooLargeResponse({ description: 'TRANSCRIPT_TOO_LARGE | PAYLOAD_TOO_LARGE' })
  import(@Body() body: unknown, @Headers('content-type') contentType: string | undefined, @Query() q: TranscriptImportQueryDto, @CurrentUser() user: AuthUser): Promise<TranscriptImportResult> {
    const { data, format, mode } = readImportRequest(body, contentType, q.mode);
    return this.transcripts.import(data, format, mode, user);
  }
}

/** The two request shapes: a raw JSONL/CSV body, or JSON `{ format, data, mode? }`. */
export function readImportRequest(body: unknown, contentType: string | undefined, queryMode?: TranscriptImportMode): { data: string; format: TranscriptFormat; mode: TranscriptImportMode } {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const raw = TRANSCRIPT_CONTENT_TYPES[type];
  if (raw) return { data: typeof body === 'string' ? body : '', format: raw, mode: queryMode ?? 'reject_file' };
  if (type !== 'application/json') throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `Send application/x-ndjson, text/csv or application/json, not ${type || 'nothing'}`, 415);
  const b = (body ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !['format', 'data', 'mode'].includes(k));
  if (unknown.length) throw new ValidationFailedError(`property ${unknown[0]} should not exist`);
  if (b.format !== 'jsonl' && b.format !== 'csv') throw new ValidationFailedError('format must be jsonl or csv');
  if (typeof b.data !== 'string') throw new ValidationFailedError('data must be the file contents as a string');
  if (b.mode !== undefined && b.mode !== 'reject_file' && b.mode !== 'valid_rows') throw new ValidationFailedError('mode must be reject_file or valid_rows');
  return { data: b.data, format: b.format, mode: (b.mode as TranscriptImportMode | undefined) ?? queryMode ?? 'reject_file' };
}
