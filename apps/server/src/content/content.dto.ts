import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDefined, IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/*
 * Shapes only: the transport checks types here; ContentService validates content rules (formats, sizes, prompts
 * matching requirements) and reports them per field/row as CONTENT_INVALID.
 */

/** A page of a content listing. */
export class ContentPageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class ContentListQueryDto extends ContentPageQueryDto {
  @ApiPropertyOptional({ description: 'Only this intent' })
  @IsOptional()
  @IsString()
  intent?: string;
}

export class ExportQueryDto {
  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class ImportBodyDto {
  @ApiProperty({ enum: ['json', 'csv'] })
  @IsIn(['json', 'csv'])
  format: 'json' | 'csv';

  @ApiProperty({
    description: 'CSV text (header row first; list cells as JSON arrays or one item per line), or for JSON an array of records or its text',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }],
  })
  @IsDefined()
  data: string | unknown[];
}

export class TemplateBodyDto {
  @ApiProperty({ example: 'track_order' }) @IsOptional() @IsString() intent?: string;
  @ApiPropertyOptional({ example: 'How to track an order' }) @IsOptional() @IsString() name?: string;
  @ApiProperty({ type: [String], example: ['Order {{order_id}} ships today. Questions? Call {{company.support_phone}}.'] })
  @IsOptional()
  @IsArray()
  variants?: string[];
  @ApiPropertyOptional({ type: [String], example: ['order_id'], description: 'Entity labels the answer needs; `a|b` = either' })
  @IsOptional()
  @IsArray()
  required_entities?: string[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { order_id: 'Could you give me your order number?' } })
  @IsOptional()
  @IsObject()
  prompts?: Record<string, string>;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional({ default: false, description: 'Answer through the fulfillment webhook (FULFILLMENT_URL); the variants are its fallback' })
  @IsOptional()
  @IsBoolean()
  webhook?: boolean;
}

export class TemplateDto {
  @ApiProperty() id: string;
  @ApiProperty() intent: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String] }) variants: string[];
  @ApiProperty({ type: [String] }) required_entities: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) prompts: Record<string, string>;
  @ApiProperty() enabled: boolean;
  @ApiProperty() webhook: boolean;
  @ApiProperty({ enum: ['bitext', 'parley', 'user', 'import'] }) source: string;
}

export class TemplatePageDto {
  @ApiProperty({ type: [TemplateDto] }) items: TemplateDto[];
  @ApiProperty() total: number;
}

export class ArticleBodyDto {
  @ApiProperty({ example: 'gift-wrapping' }) @IsOptional() @IsString() slug?: string;
  @ApiProperty({ example: 'Gift wrapping' }) @IsOptional() @IsString() title?: string;
  @ApiProperty({ example: 'We gift-wrap any order. Pick "Gift wrap" at checkout.' }) @IsOptional() @IsString() body?: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: null }) @IsOptional() @IsString() intent?: string | null;
  @ApiPropertyOptional({ type: [String], example: ['can you gift wrap my order?'] }) @IsOptional() @IsArray() questions?: string[];
}

export class ArticleDto {
  @ApiProperty() id: string;
  @ApiProperty() slug: string;
  @ApiProperty() title: string;
  @ApiProperty() body: string;
  @ApiProperty({ nullable: true, type: String }) intent: string | null;
  @ApiProperty({ type: [String] }) questions: string[];
  @ApiProperty({ enum: ['bitext', 'abcd', 'user', 'import'] }) source: string;
}

export class ArticlePageDto {
  @ApiProperty({ type: [ArticleDto] }) items: ArticleDto[];
  @ApiProperty() total: number;
}

export class CannedResponseListQueryDto extends ContentPageQueryDto {
  @ApiPropertyOptional({ description: 'Short codes that start with it, or a title or text that contains it (case-insensitive); the exact short code first', example: 'ref' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class CannedResponseBodyDto {
  @ApiProperty({ example: 'refund-time', description: 'What the agent types after `/`: a–z, 0–9, `_`, `-`, at most 40 (compared in lower case)' })
  @IsOptional()
  @IsString()
  short_code?: string;
  @ApiPropertyOptional({ example: 'How long a refund takes', description: 'Defaults to the short code' }) @IsOptional() @IsString() title?: string;
  @ApiProperty({ example: 'Refunds reach your account within 5 to 10 business days. — {{agent.name}}, {{company.name}}', description: 'At most MAX_MESSAGE_CHARS; `{{agent.name}}` and `{{company.<key>}}` are filled in' })
  @IsOptional()
  @IsString()
  text?: string;
}

export class CannedResponseDto {
  @ApiProperty() id: string;
  @ApiProperty() short_code: string;
  @ApiProperty() title: string;
  @ApiProperty() text: string;
  @ApiPropertyOptional({ description: 'Listing only: the text filled in for the agent who asked' }) rendered?: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class CannedResponsePageDto {
  @ApiProperty({ type: [CannedResponseDto] }) items: CannedResponseDto[];
  @ApiProperty() total: number;
}

export class ImportResultDto {
  @ApiProperty() imported: number;
  @ApiPropertyOptional({ description: 'Articles embedded for dense search' }) embedded?: number;
}

/** CSV import: the text itself; JSON import: the text, or the array already parsed by the JSON body parser. */
export function importPayload(body: ImportBodyDto): string {
  return typeof body.data === 'string' ? body.data : JSON.stringify(body.data);
}
