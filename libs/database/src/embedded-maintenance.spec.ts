import { maintenanceFor } from './embedded-maintenance.service';

describe('maintenanceFor (autovacuum thresholds for the embedded PGlite)', () => {
  const quiet = { reltuples: 10_000, deadTuples: 0, insertedSinceVacuum: 0, modifiedSinceAnalyze: 0, xidAge: 1_000 };

  it('vacuums and analyzes a table never done', () => {
    expect(maintenanceFor({ ...quiet, reltuples: -1 })).toEqual({ vacuum: true, analyze: true });
  });

  it('does nothing to a table below every threshold', () => {
    expect(maintenanceFor({ ...quiet, deadTuples: 2_050, insertedSinceVacuum: 3_000, modifiedSinceAnalyze: 1_050 })).toEqual({ vacuum: false, analyze: false });
  });

  it('vacuums after 50 + 20 % dead rows, 1,000 + 20 % inserted rows, or 100 M transactions of age', () => {
    expect(maintenanceFor({ ...quiet, deadTuples: 2_051 }).vacuum).toBe(true);
    expect(maintenanceFor({ ...quiet, insertedSinceVacuum: 3_001 }).vacuum).toBe(true);
    expect(maintenanceFor({ ...quiet, xidAge: 100_000_001 })).toEqual({ vacuum: true, analyze: false });
  });

  it('analyzes after 50 + 10 % changed rows', () => {
    expect(maintenanceFor({ ...quiet, modifiedSinceAnalyze: 1_051 })).toEqual({ vacuum: false, analyze: true });
  });
});
