// `hookline` (bin/hookline.mjs): a small subcommand dispatcher. Every subcommand is a CliCommand
// (./command.ts) listed in COMMANDS; help is generated from that list. runCli() never calls
// process.exit, so tests run it in-process and the bin sets the exit code.
import { EXIT, UsageError, processIo, type CliCommand, type CliIo } from './command.ts';
import { ingestCommand } from './ingest.ts';
import { auditCommand } from './audit.ts';

export const COMMANDS: readonly CliCommand[] = [ingestCommand, auditCommand];

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: hookline COMMAND [ARGS...]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  show this help, or \`hookline help COMMAND\` for one command`,
  ].join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? args[0] : undefined;
    const cmd = topic === undefined ? undefined : COMMANDS.find((c) => c.name === topic);
    if (topic !== undefined && !cmd) {
      io.err(`hookline: unknown command ${JSON.stringify(topic)}\n\n${helpText()}`);
      return EXIT.usage;
    }
    if (cmd) io.out(cmd.usage);
    else if (name === undefined) io.err(helpText());
    else io.out(helpText());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`hookline: unknown command ${JSON.stringify(name)}\n\n${helpText()}`);
    return EXIT.usage;
  }
  try {
    return await cmd.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`hookline ${cmd.name}: ${err.message}\n\n${cmd.usage}`);
      return EXIT.usage;
    }
    io.err(`hookline ${cmd.name}: ${(err as Error).message}`);
    return EXIT.failed;
  }
}
