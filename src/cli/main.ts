/** Entry point of the `finerouter` command: dispatches to a subcommand. No logic lives here. */
import { COMMANDS } from './commands/registry.js';
import { FineRouterError } from '../errors.js';
import { UsageError } from './options.js';

function helpText(): string {
  const width = Math.max(8, ...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'finerouter: route each prompt to the best LLM in a pool, in process (FineRouter, arXiv 2603.19415)',
    '',
    'Usage: finerouter <command> [options]',
    '       finerouter <command> --help',
    '',
    'Commands:',
    ...lines,
    '',
  ].join('\n');
}

function argvCommand(): string | undefined {
  const name = process.argv[2];
  return COMMANDS.some((c) => c.name === name) ? name : undefined;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(helpText());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    process.stdout.write(`${(require('../package.json') as { version: string }).version}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`finerouter: unknown command '${name}'. Run 'finerouter --help' for the list.\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Exit codes: 2 for a usage error (bad or unknown flag), 1 for anything that went wrong while running.
    const code = error instanceof FineRouterError ? ` [${error.code}]` : '';
    const message = error instanceof Error ? error.message : String(error);
    const hint = error instanceof UsageError && argvCommand() ? ` (see 'finerouter ${argvCommand()} --help')` : '';
    process.stderr.write(`finerouter${code}: ${message}${hint}\n`);
    if (process.env.FINEROUTER_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
