import type { PgChannelRepository } from './pg-channel.repository';
import type { TrainingJobRepository } from '@app/database';
import { JobEventsBuffer } from './job-events.buffer';

function make() {
  const jobs = { appendEvents: jest.fn(async () => undefined), update: jest.fn(async () => undefined) };
  const channel = { publish: jest.fn(async () => undefined) };
  const sut = new JobEventsBuffer('job-1', jobs as unknown as TrainingJobRepository, channel as unknown as PgChannelRepository, 60_000, { phase: 'snapshot' });
  return { sut, jobs, channel };
}

describe('JobEventsBuffer', () => {
  it('turns the CLI progress lines into progress and everything else into log lines, written in one flush', async () => {
    const { sut, jobs, channel } = make();
    sut.handleLine({ stream: 'stdout', line: '{"event": "phase", "phase": "training", "epochs": 2}' });
    sut.handleLine({ stream: 'stdout', line: '{"event": "step", "epoch": 1, "step": 3, "steps": 15, "loss": 0.5}' });
    sut.handleLine({ stream: 'stdout', line: '{"event": "epoch", "epoch": 1, "epochs": 2, "loss": 0.4, "dev": {"intent_accuracy": 80}}' });
    sut.handleLine({ stream: 'stdout', line: '{not json' });
    sut.handleLine({ stream: 'stderr', line: '10:00 ERROR nlu_training ParityError: int8 misses the bar' });
    sut.handleLine({ stream: 'stderr', line: '   ' });
    await sut.close();
    expect(sut.currentProgress).toEqual({ phase: 'training', epoch: 1, epochs: 2, step: 3, steps: 15, loss: 0.4, dev: { intent_accuracy: 80 } });
    expect(sut.lastError).toBe('10:00 ERROR nlu_training ParityError: int8 misses the bar');
    expect(jobs.appendEvents).toHaveBeenCalledTimes(1);
    const events = (jobs.appendEvents.mock.calls[0] as unknown[])[1] as { type: string; data: Record<string, unknown> }[];
    expect(events.map((e) => e.type)).toEqual(['progress', 'progress', 'progress', 'log', 'log']);
    expect(events[3].data).toEqual({ line: '{not json', stream: 'stdout' });
    expect(jobs.update).toHaveBeenCalledWith('job-1', { progress: sut.currentProgress, logTail: ['{not json', '10:00 ERROR nlu_training ParityError: int8 misses the bar'] });
    expect(channel.publish).toHaveBeenCalledWith('parley_job', 'job-1');
  });

  it('writes nothing when nothing happened and keeps only the last 50 log lines', async () => {
    const { sut, jobs } = make();
    await sut.flush();
    expect(jobs.appendEvents).not.toHaveBeenCalled();
    for (let i = 0; i < 60; i++) sut.log(`line ${i}`);
    await sut.close();
    const tail = (jobs.update.mock.calls[0] as unknown[])[1] as { logTail: string[] };
    expect(tail.logTail).toHaveLength(50);
    expect(tail.logTail[0]).toBe('line 10');
  });
});
