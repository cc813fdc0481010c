import { Inject, Injectable, Logger } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { GateReport } from '@app/contracts';
import { ModelVersionEntity, ModelVersionRepository } from '@app/database';
import { DatasetSnapshotService } from './dataset-snapshot.service';
import { buildGateReport, ModelScores } from './gate-report';
import { TrainingFilesRepository } from './training-files.repository';
import { ProcessLine, TrainingProcessRepository } from './training-process.repository';

export class GateEvaluationError extends Error {
  readonly code = 'GATE_ERROR';
}

/**
 * Scores a candidate and the active model with the same exported ONNX graphs the servers run (`nlu_training
 * evaluate-model`, one Python process for both) on the frozen test set and on the held-out labelled examples,
 * and stores the comparison on the candidate.
 */
@Injectable()
export class GateService {
  private readonly logger = new Logger('Gate');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly models: ModelVersionRepository,
    private readonly files: TrainingFilesRepository,
    private readonly datasets: DatasetSnapshotService,
    private readonly processes: TrainingProcessRepository,
  ) {}

  async evaluate(candidate: ModelVersionEntity, onLine: (l: ProcessLine) => void = () => undefined): Promise<GateReport> {
    const active = await this.models.findActive();
    const baseline = active && active.id !== candidate.id ? active : null;
    const dir = this.files.gateDir(candidate.id);
    let scores: { models: ModelScores[] } | null;
    const tail: string[] = [];
    let code: number | null;
    try {
      const data = [this.files.baseTestFile()];
      const reviewed = await this.datasets.heldOut();
      if (reviewed.length) {
        await this.files.writeJsonl(join(dir, 'reviewed.jsonl'), reviewed);
        data.push(join(dir, 'reviewed.jsonl'));
      }
      const out = join(dir, 'scores.json');
      const args = ['evaluate-model', ...[candidate, ...(baseline ? [baseline] : [])].flatMap((m) => ['--model', m.dir]), ...data.flatMap((d) => ['--data', d]), '--variant', this.config.nlu.variant, '--out', out];
      ({ code } = await this.processes.run(this.config.training.python, args, (l) => {
        tail.push(l.line);
        if (tail.length > 20) tail.shift();
        onLine(l);
      }).done);
      scores = code === 0 ? ((await this.files.readJson(out)) as { models: ModelScores[] } | null) : null;
    } finally {
      // The report below goes to the database; the held-out copy and the raw scores are not needed after.
      await this.files.removeDir(dir);
    }
    if (!scores) throw new GateEvaluationError(`evaluate-model exited with ${code}: ${tail.slice(-3).join(' | ')}`);
    const gate = buildGateReport({
      candidate: { id: candidate.id, version: candidate.version, scores: scores.models[0] },
      baseline: baseline ? { id: baseline.id, version: baseline.version, scores: scores.models[1] } : null,
      setNames: ['test', 'reviewed'],
      tolerance: this.config.training.gateTolerance,
      minExamples: this.config.training.gateMinExamples,
    });
    await this.models.setGate(candidate.id, gate);
    this.logger.log({ event: 'gate.evaluated', id: candidate.id, version: candidate.version, baseline: baseline?.version ?? null, passed: gate.passed, failures: gate.failures });
    return gate;
  }
}
