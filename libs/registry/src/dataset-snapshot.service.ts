import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { TrainingExampleEntity, TrainingExampleRepository } from '@app/database';
import { CanonicalExample, toJsonl, TrainingFilesRepository } from './training-files.repository';

/**
 * One in five labelled examples (by a hash of the row id, so the split never changes as rows are added) is held
 * out of every training snapshot and used by the gate instead: scoring a candidate on examples it was trained
 * on would make the "reviewed" comparison meaningless.
 */
export function isHeldOut(exampleId: string): boolean {
  return createHash('sha256').update(exampleId).digest()[0] % 5 === 0;
}

export function toCanonical(e: TrainingExampleEntity): CanonicalExample {
  return { text: e.text, intent: e.intent, entities: (e.entities ?? []).map((s) => ({ start: s.start, end: s.end, label: s.label })) };
}

/** Builds the dataset of a retrain job: the frozen base split plus the labelled examples. */
@Injectable()
export class DatasetSnapshotService {
  constructor(
    private readonly examples: TrainingExampleRepository,
    private readonly files: TrainingFilesRepository,
  ) {}

  /**
   * `train` = labelled examples (reviewed + transcripts, minus the held-out fifth) followed by the frozen base
   * train split; dev and test stay the frozen files, so every model is scored on the same test set. The labelled
   * rows come first because small configs keep a round-robin prefix per intent (tiny: 360 rows) and would
   * otherwise never see them.
   */
  async snapshot(): Promise<{ hash: string; dir: string; counts: { base: number; labelled: number; heldOut: number } }> {
    const all = await this.examples.list();
    const labelled = all.filter((e) => !isHeldOut(e.id)).map(toCanonical);
    const [train, dev, test] = await Promise.all([this.files.readBaseSplit('train'), this.files.readBaseSplit('dev'), this.files.readBaseSplit('test')]);
    const { hash, dir } = await this.files.writeSnapshot({ train: toJsonl(labelled) + train, dev, test });
    return { hash, dir, counts: { base: train.split('\n').filter(Boolean).length, labelled: labelled.length, heldOut: all.length - labelled.length } };
  }

  /** The held-out labelled examples (the gate's "reviewed" set). */
  async heldOut(): Promise<CanonicalExample[]> {
    return (await this.examples.list()).filter((e) => isHeldOut(e.id)).map(toCanonical);
  }
}
