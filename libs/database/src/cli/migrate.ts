/**
 * Migration CLI over the app's own DataSource factory (PGlite or PostgreSQL, from the environment):
 *   npm run migration:run | migration:revert | migration:show
 */
import { loadConfigOrExit } from '@app/config';
import { openDatabase } from '../data-source';

async function main(command: string | undefined): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const db = await openDatabase(config.database, { migrate: false, poolSize: 1 });
  try {
    if (command === 'run') {
      const done = await db.dataSource.runMigrations({ transaction: 'each' });
      console.log(done.length ? `applied: ${done.map((m) => m.name).join(', ')}` : 'nothing to apply');
    } else if (command === 'revert') {
      await db.dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
    } else if (command === 'show') {
      const pending = await db.dataSource.showMigrations();
      console.log(pending ? 'pending migrations exist' : 'up to date');
    } else {
      console.error('usage: migrate.ts run|revert|show');
      process.exitCode = 64;
    }
  } finally {
    await db.close();
  }
}

main(process.argv[2]).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
