import { Command } from 'commander';
import { openStorage } from '../../storage/database.js';
import { migrateToLatest } from '../../storage/migrate.js';
import { printJson } from '../io.js';
import { type CommandEnv, configFor, withStorageOptions } from '../program.js';

export function migrateCommand(cmdEnv: CommandEnv): Command {
  return withStorageOptions(new Command('migrate'))
    .description('apply database migrations (a no-op when up to date)')
    .option('--json', 'print the result as JSON')
    .action(async (_opts, command: Command) => {
      const { config, options } = configFor(command, cmdEnv);
      const storage = openStorage(config.storage);
      try {
        const { applied } = await migrateToLatest(storage);
        if (options.json === true) printJson(cmdEnv.io, { applied, database: storage.dialect });
        else cmdEnv.io.out(applied.length === 0 ? 'Database is up to date.' : `Applied ${applied.join(', ')}`);
      } finally {
        await storage.close();
      }
    });
}
