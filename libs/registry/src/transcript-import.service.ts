import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { AuthUser, NluResult, ReviewReason, TranscriptFormat, TranscriptImportMode, TranscriptImportResult } from '@app/contracts';
import { effectiveThresholds, firstRoute, reviewReason, Thresholds } from '@app/conversation';
import { ImportedConversation, NewTrainingExample, TrainingExampleRepository, TranscriptRepository, TransactionService } from '@app/database';
import { ModelNotReadyError, NluService } from '@app/nlu';
import { TranscriptEmptyError, TranscriptInvalidError, TranscriptTooLargeError } from './registry.errors';
import { DEFAULT_TRANSCRIPT_LIMITS, ParsedConversation, parseTranscript, TranscriptRowLimitError } from './transcript-parser';

/** Customer turns parsed at once; the NLU's micro-batcher groups them into model batches. */
const PARSE_CHUNK = 64;

/**
 * Imports past conversations: validates the file (per-row errors), pre-labels customer turns with the active
 * model, stores closed conversations with their messages, queues the unlabelled turns the live bot would have queued
 * for review (below the review threshold, or sent to the fallback: off-topic, unsure, not understood) and
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
    const thresholds = effectiveThresholds(info.thresholds, this.config.nlu.thresholds);
    const review: { messageId: string; conversationId: string; reason: ReviewReason }[] = [];
    const training: NewTrainingExample[] = [];
    let customerTurns = 0;
    conversations.forEach((conv, ci) => {
      conv.turns.forEach((turn, ti) => {
        if (turn.author !== 'customer') return;
        customerTurns++;
        const gold = parsed.valid[ci].turns[ti];
        if (gold.intent) {
          training.push({ text: turn.text, intent: gold.intent, entities: gold.entities ?? [], source: 'transcript', messageId: turn.id, conversationId: conv.id, createdBy: actor?.id ?? null });
        } else {
          const reason = importedReviewReason(turn, thresholds);
          if (reason) review.push({ messageId: turn.id, conversationId: conv.id, reason });
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

/**
 * Why an unlabelled imported customer turn goes to the review queue: the live policy's reason for it (policy.ts), so
 * a turn the bot would have answered from the fallback (`out_of_scope` however confident, below the retrieval
 * threshold, or not understood at all) is `fallback`, and a turn below the review threshold `low_confidence`.
 */
function importedReviewReason(turn: { intent: string | null; confidence: number | null }, t: Thresholds): ReviewReason | null {
  if (turn.intent === null || turn.confidence === null) return 'fallback';
  return reviewReason(firstRoute(turn.confidence, t, false, turn.intent), turn.confidence, t);
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
