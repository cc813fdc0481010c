import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AuthGuard, Roles, RolesGuard } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { NluResult } from '@app/contracts';
import { checkMessageText, effectiveThresholds, openingRoute } from '@app/conversation';
import { TemplateService } from '@app/answers';
import { NluService } from '@app/nlu';

export class ParseDto {
  @ApiProperty({ example: 'I want to cancel order 12345', description: 'Empty or longer than CHAT_MAX_MESSAGE_CHARS: MESSAGE_EMPTY / MESSAGE_TOO_LONG' })
  @IsString()
  text: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 5, description: 'How many intents to rank' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  topK?: number;

  @ApiPropertyOptional({ example: 'Europe/Berlin', description: 'IANA time zone for dates ("tomorrow at 5"); default UTC' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timeZone?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Reference time for relative dates; default now' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  referenceTime?: Date;
}

/** Where the message would go if it opened a conversation: no open slot question, no offer of a person pending. */
export type OpeningRoute = 'handoff' | 'template' | 'retrieval' | 'fallback';

export type ParseResultView = Omit<NluResult, 'embedding'> & { route: OpeningRoute };

class IntentScoreDto {
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Calibrated probability' }) confidence: number;
  @ApiProperty() logit: number;
}

class EntityDto {
  @ApiProperty({ example: 'order_id' }) label: string;
  @ApiProperty({ description: 'Offset into the text (UTF-16 code units)' }) start: number;
  @ApiProperty({ description: 'End offset, exclusive' }) end: number;
  @ApiProperty() text: string;
  @ApiProperty() score: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Typed, normalised value ({ kind, value, … })' }) value?: NluResult['entities'][number]['value'];
}

class ModelRefDto {
  @ApiProperty() name: string;
  @ApiProperty() version: string;
  @ApiProperty({ enum: ['int8', 'fp32'] }) variant: 'int8' | 'fp32';
}

class ThresholdsDto {
  @ApiProperty() answer: number;
  @ApiProperty() retrieval: number;
  @ApiProperty() review: number;
}

export class ParseResultDto {
  @ApiProperty() text: string;
  @ApiProperty({ type: IntentScoreDto }) intent: IntentScoreDto;
  @ApiProperty({ type: [IntentScoreDto], description: 'Top-k intents, best first' }) ranking: IntentScoreDto[];
  @ApiProperty({ type: [EntityDto] }) entities: EntityDto[];
  @ApiProperty({ description: "True when the text was longer than the model's max sequence length and was cut" }) truncated: boolean;
  @ApiProperty({ type: ModelRefDto }) model: ModelRefDto;
  @ApiProperty({ type: ThresholdsDto, description: "The model's answer / retrieval / review cut-offs" }) thresholds: ThresholdsDto;
  @ApiProperty() latencyMs: number;
  @ApiProperty({
    enum: ['handoff', 'template', 'retrieval', 'fallback'],
    description:
      "The chat policy's first choice if the message opened a conversation (config cut-offs and CHAT_HANDOFF_INTENTS applied; `template` only when the intent has an enabled template). `retrieval` falls back when the search finds nothing good enough",
  })
  route: OpeningRoute;
}

/**
 * What the active model makes of a text, like Rasa's `POST /model/parse`: for trying the model from the admin area,
 * debugging a conversation, or using Parley's NLU from another system. Nothing is stored.
 */
@ApiTags('nlu')
@ApiBearerAuth()
@Controller('api/nlu')
@UseGuards(AuthGuard, RolesGuard)
@Roles('agent', 'admin')
export class NluController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly nlu: NluService,
    private readonly templates: TemplateService,
  ) {
    this.handoffIntents = new Set(config.chat.handoffIntents);
  }

  private readonly handoffIntents: ReadonlySet<string>;

  @Post('parse')
  @HttpCode(200)
  @ApiOperation({ summary: 'Parse a text with the active model: intent ranking and entities (nothing stored)' })
  @ApiOkResponse({ type: ParseResultDto })
  @ApiServiceUnavailableResponse({ description: 'MODEL_NOT_READY' })
  async parse(@Body() dto: ParseDto): Promise<ParseResultView> {
    checkMessageText(dto.text, '', this.config.chat.maxMessageChars);
    const { embedding: _embedding, ...result } = await this.nlu.parse(dto.text, { topK: dto.topK, timeZone: dto.timeZone, referenceTime: dto.referenceTime });
    return { ...result, route: await this.route(result) };
  }

  private async route(nlu: Pick<NluResult, 'intent' | 'thresholds'>): Promise<OpeningRoute> {
    const { name, confidence } = nlu.intent;
    const t = effectiveThresholds(nlu.thresholds, this.config.nlu.thresholds);
    return openingRoute(name, confidence, t, this.handoffIntents, await this.templates.hasTemplate(name));
  }
}
