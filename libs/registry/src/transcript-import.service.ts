import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { AuthUser, NluResult, TranscriptFormat, TranscriptImportMode, TranscriptImportResult } from '@app/contracts';
import { ImportedConversation, NewTrainingExample, TrainingExampleRepository, TranscriptRepository, TransactionService } from '@app/database';
import { ModelNotReadyError, NluService } from '@app/nlu';
import { TranscriptEmptyError, TranscriptInvalidError, TranscriptTooLargeError } from './registry.errors';
import { DEFAULT_TRANSCRIPT_LIMITS, ParsedConversation, parseTranscript, TranscriptRowLimitError } from './transcript-parser';

/** Customer turns parsed at once; the NLU's micro-batcher groups them into model batches. */
const PARSE_CHUNK = 64;

/**
 * Imports past conversations: validates the file (per-row errors), pre-labels customer turns with the active
 * model, stores closed conversations with their messages, queues low-confidence unlabelled turns for review and
 * turns labelled in the file as training examples (source `transcript`), all in one transaction.
 */
@Injectable()
export class TranscriptImportService {
  private readonly logger = new Logger('TranscriptImport');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly nlu: NluService,
    private readonly tx: TransactionService,
    private readonly transcripts: TranscriptRepository,
    private readonly examples: TrainingExampleRepository,
  ) {}

  async import(data: string, format: TranscriptFormat, mode: TranscriptImportMode, actor: AuthUser | null): Promise<TranscriptImportResult> {
    const info = this.nlu.modelInfo;
    if (!info) throw new ModelNotReadyError();
    if (Buffer.byteLength(data, 'utf8') > this.config.training.transcriptMaxBytes) throw new TranscriptTooLargeError(`The file is larger than ${this.config.training.transcriptMaxBytes} bytes`);
    let parsed;
    try {
      parsed = parseTranscript(data, format, { intents: new Set(info.labels.intents), entityTypes: new Set(info.labels.entityTypes) }, { ...DEFAULT_TRANSCRIPT_LIMITS, maxRows: this.config.training.transcriptMaxRows });
    } catch (error) {
      if (error instanceof TranscriptRowLimitError) throw new TranscriptTooLargeError(`The file has ${error.message}`);
      throw error;
    }
    if (parsed.errors.length && (mode === 'reject_file' || parsed.valid.length === 0)) throw new TranscriptInvalidError(parsed.errors);
    if (parsed.valid.length === 0) throw new TranscriptEmptyError();

    const importId = randomUUID();
    const conversations = await this.prelabel(parsed.valid, importId);
    const reviewAt = this.config.nlu.thresholds.review ?? info.thresholds.review;
    const review: { messageId: string; conversationId: string }[] = [];
    const training: NewTrainingExample[] = [];
    let customerTurns = 0;
    conversations.forEach((conv, ci) => {
      conv.turns.forEach((turn, ti) => {
        if (turn.author !== 'customer') return;
        customerTurns++;
        const gold = parsed.valid[ci].turns[ti];
        if (gold.intent) {
          training.push({ text: turn.text, intent: gold.intent, entities: gold.entities ?? [], source: 'transcript', messageId: turn.id, conversationId: conv.id, createdBy: actor?.id ?? null });
        } else if ((turn.confidence ?? 0) < reviewAt) {
          review.push({ messageId: turn.id, conversationId: conv.id });
        }
      });
    });
    const stored = await this.tx.run(async (manager) => {
      const counts = await this.transcripts.insertConversations(manager, conversations);
      const reviewItems = await this.transcripts.enqueueReview(manager, review);
      const trainingExamples = await this.examples.insertMany(training, manager);
      return { ...counts, reviewItems, trainingExamples };
    });
    this.logger.log({ event: 'transcripts.imported', importId, format, mode, ...stored, rejected: parsed.errors.length, model: info.version });
    return {
      mode,
      conversations: stored.conversations,
      messages: stored.messages,
      customerTurns,
      labelledTurns: training.length,
      trainingExamples: stored.trainingExamples,
      reviewItems: stored.reviewItems,
      modelVersion: info.version,
      errors: parsed.errors,
    };
  }

  private async prelabel(valid: ParsedConversation[], importId: string): Promise<ImportedConversation[]> {
    const conversations: ImportedConversation[] = valid.map((c) => ({
      id: randomUUID(),
      metadata: { source: 'transcript_import', externalId: c.externalId, importId },
      turns: c.turns.map((t) => ({ id: randomUUID(), author: t.role, text: t.text, intent: null, confidence: null, ranking: null, entities: null, modelVersion: null })),
    }));
    const customer = conversations.flatMap((c) => c.turns.filter((t) => t.author === 'customer'));
    for (let i = 0; i < customer.length; i += PARSE_CHUNK) {
      const chunk = customer.slice(i, i + PARSE_CHUNK);
      const results = await Promise.all(chunk.map((t) => this.nlu.parse(t.text).catch((e: Error) => e)));
      results.forEach((r, k) => {
        if (r instanceof Error) return; // e.g. text with nothing the tokenizer keeps: stored without a pre-label, reviewed
        Object.assign(chunk[k], prelabelOf(r));
      });
    }
    return conversations;
  }
}

function prelabelOf(r: NluResult) {
  return {
    intent: r.intent.name,
    confidence: r.intent.confidence,
    ranking: r.ranking,
    entities: r.entities,
    modelVersion: r.model.version,
  };
}
