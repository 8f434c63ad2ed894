import { Command, CommanderError, Option } from 'commander';
import { cryptoReady } from '@claudemesh/shared/crypto';
import { STATUSES } from '@claudemesh/shared/protocol';
import { PRIORITIES } from '@claudemesh/shared/protocol';
import { CliError, EXIT } from './errors';
import { CLI_VERSION } from './version';
import { initCommand, joinCommand, leaveCommand, meshesCommand, peersCommand, sendCommand, statusCommand } from './commands/basic';
import { inboxCommand, watchCommand } from './commands/receive';
import { runHook } from './hooks/hook';
import { installHooks } from './hooks/install';
import { runMcpServer } from './mcp/server';
import { out } from './output';

/** Runs an action; any error becomes one line on stderr and its exit code. */
const action =
  <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
  async (...args: A): Promise<void> => {
    let code: number = EXIT.ok;
    try {
      await cryptoReady();
      await fn(...args);
    } catch (e) {
      code = e instanceof CliError ? e.exitCode : EXIT.failure;
      process.stderr.write(`claudemesh: ${(e as Error)?.message ?? String(e)}\n`);
    }
    exit(code);
  };

function exit(code: number): never {
  process.stdout.write('', () => process.exit(code));
  // Keeps the type honest; process.exit runs once stdout is flushed.
  return undefined as never;
}

export function buildProgram(): Command {
  const program = new Command('claudemesh')
    .description('Peer CLI for claudemesh: end-to-end encrypted messages between Claude Code sessions')
    .version(CLI_VERSION, '-v, --version')
    .showHelpAfterError('(run "claudemesh help" for usage)')
    .exitOverride();

  program.command('init').description('create this machine\'s identity (an ed25519 keypair)').option('--force', 'replace an existing identity').action(action(initCommand));

  program
    .command('join <invite>')
    .description('join a mesh from an invite link (https://…/i/<code>), a short code or a v1 token')
    .option('--name <name>', 'your display name in the mesh (default: user@host)')
    .option('--server <url>', 'the server, when <invite> is a bare code')
    .option('--token <pat>', 'a personal access token to link the membership to your account (or CLAUDEMESH_TOKEN)')
    .action(action((invite: string, opts) => joinCommand(invite, opts)));

  program.command('meshes').description('list the joined meshes with live peer counts').option('--json', 'JSON output').action(action(meshesCommand));

  program
    .command('peers')
    .description('list the peers online in each mesh')
    .option('--mesh <mesh>', 'only this mesh (id or name)')
    .option('--all', 'include members that are offline')
    .option('--json', 'JSON output')
    .action(action(peersCommand));

  program
    .command('send <to> <text>')
    .description('send a message to a display name, a 64-hex pubkey, "*" (everyone) or "@group"')
    .addOption(new Option('--priority <priority>', 'delivery priority').choices([...PRIORITIES]))
    .option('--mesh <mesh>', 'the mesh (id or name) when several are joined')
    .action(action((to: string, text: string, opts) => sendCommand(to, text, opts)));

  program
    .command('inbox')
    .description('show the local inbox')
    .option('--fetch', 'connect briefly to pull queued messages first')
    .option('--mesh <mesh>', 'only this mesh')
    .option('--json', 'JSON output')
    .action(action(inboxCommand));

  program
    .command('watch')
    .description('stay connected and print messages as they arrive')
    .option('--mesh <mesh>', 'only this mesh')
    .option('--json', 'one JSON object per line')
    .action(action(watchCommand));

  program
    .command('status <status>')
    .description(`set the manual status (${STATUSES.join(', ')}) of the current Claude Code session`)
    .option('--session <id>', 'the session to set (default: the current one)')
    .option('--mesh <mesh>', 'only this mesh')
    .action(action((status: string, opts) => statusCommand(status, opts)));

  program
    .command('hook <status>')
    .description('for Claude Code hooks: report this session\'s status; always exits 0')
    .option('--refresh', 'do nothing if the last report was under 20 s ago')
    .action(async (status: string, opts: { refresh?: boolean }) => {
      await runHook(status, opts);
      exit(EXIT.ok);
    });

  const hooks = program.command('hooks').description('manage the Claude Code integration');
  hooks
    .command('install')
    .description('add the claudemesh hooks to ~/.claude/settings.json (or ./.claude/settings.json with --project)')
    .option('--project', 'install into the project in the current directory')
    .option('--mcp', 'also register "claudemesh mcp" as an MCP server and allow its five tools')
    .action(
      action(async (opts: { project?: boolean; mcp?: boolean }) => {
        const report = installHooks(opts);
        for (const f of report.files) {
          if (!f.added.length) out(`${f.file}: already up to date`);
          else {
            out(`${f.file}: added ${f.added.join('; ')}`);
            if (f.backup) out(`  backup: ${f.backup}`);
          }
        }
        out('Restart Claude Code to load the changes.');
      }),
    );

  program.command('mcp').description('run the MCP stdio server (started by Claude Code)').action(action(runMcpServer));

  program.command('leave <mesh>').description('leave a mesh (id or name) and delete its local entry').action(action(leaveCommand));

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return exit(EXIT.ok);
      return exit(EXIT.invalidArgs);
    }
    process.stderr.write(`claudemesh: ${(e as Error).message}\n`);
    return exit(EXIT.failure);
  }
}

if (require.main === module) void main(process.argv);
