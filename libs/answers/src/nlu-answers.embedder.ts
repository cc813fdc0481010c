import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { NluService } from '@app/nlu';
import { AnswersEmbedder } from './answers.tokens';

/**
 * AnswersEmbedder over the app's one NluService. It is looked up lazily across modules (`strict: false`) so this lib
 * does not import NluModule (which would create a second NluService with its own model).
 */
@Injectable()
export class NluAnswersEmbedder extends AnswersEmbedder {
  private nlu: NluService | null = null;

  constructor(private readonly moduleRef: ModuleRef) {
    super();
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    return this.service().embed(texts);
  }

  modelVersion(): string | null {
    return this.service().modelInfo?.version ?? null;
  }

  private service(): NluService {
    this.nlu ??= this.moduleRef.get(NluService, { strict: false }) ?? null;
    if (!this.nlu) throw new Error('AnswersModule needs NluModule somewhere in the app (no NluService found)');
    return this.nlu;
  }
}
