import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const MCP_SERVER_NAME = 'claudemesh';
export const MCP_TOOLS = ['send_message', 'list_peers', 'check_messages', 'set_status', 'set_summary'] as const;
export const HOOK_ENTRIES = [
  { event: 'UserPromptSubmit', command: 'claudemesh hook working' },
  { event: 'PostToolUse', command: 'claudemesh hook working --refresh', matcher: '*' },
  { event: 'Stop', command: 'claudemesh hook idle' },
] as const;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface InstallTargets {
  settingsFile: string;
  /** Where `--mcp` registers the server: ~/.claude.json (user) or ./.mcp.json (project). */
  mcpFile: string;
}

export function installTargets(project: boolean, cwd = process.cwd(), home = process.env.HOME || os.homedir()): InstallTargets {
  if (project) return { settingsFile: path.join(cwd, '.claude', 'settings.json'), mcpFile: path.join(cwd, '.mcp.json') };
  const configDir = process.env.CLAUDE_CONFIG_DIR || path.join(home, '.claude');
  const mcpFile = process.env.CLAUDE_CONFIG_DIR ? path.join(configDir, '.claude.json') : path.join(home, '.claude.json');
  return { settingsFile: path.join(configDir, 'settings.json'), mcpFile };
}

/** Merges the three hook entries (and with `mcp` the allowed tools) without duplicating any. Pure. */
export function mergeSettings(input: Json, opts: { mcp: boolean; project: boolean }): { settings: Json; added: string[] } {
  const settings: Json = JSON.parse(JSON.stringify(input ?? {}));
  const added: string[] = [];
  if (typeof settings.hooks !== 'object' || settings.hooks === null || Array.isArray(settings.hooks)) settings.hooks = {};
  for (const entry of HOOK_ENTRIES) {
    const groups: Json[] = Array.isArray(settings.hooks[entry.event]) ? settings.hooks[entry.event] : [];
    const present = groups.some((g) => Array.isArray(g?.hooks) && g.hooks.some((h: Json) => h?.command === entry.command));
    if (!present) {
      const group: Json = { hooks: [{ type: 'command', command: entry.command, timeout: 10 }] };
      if ('matcher' in entry) group.matcher = entry.matcher;
      groups.push(group);
      added.push(`${entry.event} → ${entry.command}`);
    }
    settings.hooks[entry.event] = groups;
  }
  if (opts.mcp) {
    if (typeof settings.permissions !== 'object' || settings.permissions === null) settings.permissions = {};
    const allow: string[] = Array.isArray(settings.permissions.allow) ? settings.permissions.allow : [];
    for (const tool of MCP_TOOLS) {
      const name = `mcp__${MCP_SERVER_NAME}__${tool}`;
      if (!allow.includes(name)) {
        allow.push(name);
        added.push(`allow ${name}`);
      }
    }
    settings.permissions.allow = allow;
    if (opts.project) {
      const enabled: string[] = Array.isArray(settings.enabledMcpjsonServers) ? settings.enabledMcpjsonServers : [];
      if (!enabled.includes(MCP_SERVER_NAME)) {
        enabled.push(MCP_SERVER_NAME);
        added.push(`enable project MCP server ${MCP_SERVER_NAME}`);
      }
      settings.enabledMcpjsonServers = enabled;
    }
  }
  return { settings, added };
}

/** Registers `claudemesh mcp` under mcpServers, carrying CLAUDEMESH_HOME when one is set at install time. Pure. */
export function mergeMcpServers(input: Json, env: Record<string, string> = {}): { config: Json; added: string[] } {
  const config: Json = JSON.parse(JSON.stringify(input ?? {}));
  if (typeof config.mcpServers !== 'object' || config.mcpServers === null) config.mcpServers = {};
  const wanted = { type: 'stdio', command: 'claudemesh', args: ['mcp'], env };
  const cur = config.mcpServers[MCP_SERVER_NAME];
  if (cur && JSON.stringify(cur) === JSON.stringify(wanted)) return { config, added: [] };
  config.mcpServers[MCP_SERVER_NAME] = wanted;
  const envNote = env.CLAUDEMESH_HOME ? ` (CLAUDEMESH_HOME=${env.CLAUDEMESH_HOME})` : '';
  return { config, added: [`MCP server ${MCP_SERVER_NAME} → claudemesh mcp${envNote}`] };
}

function readJsonOrEmpty(file: string): Json {
  if (!fs.existsSync(file)) return {};
  const text = fs.readFileSync(file, 'utf8');
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch {
    // fall through
  }
  throw new Error(`${file} is not a JSON object; fix it by hand, then run this again`);
}

/** Backs the file up, then replaces it atomically, keeping its mode. */
function backupAndWrite(file: string, value: Json): string | null {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let backup: string | null = null;
  let mode = 0o644;
  if (fs.existsSync(file)) {
    mode = fs.statSync(file).mode & 0o777;
    backup = `${file}.bak-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.copyFileSync(file, backup);
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeSync(fd, JSON.stringify(value, null, 2) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return backup;
}

export interface InstallReport {
  files: { file: string; added: string[]; backup: string | null }[];
}

export function installHooks(opts: { project?: boolean; mcp?: boolean; cwd?: string; home?: string }): InstallReport {
  const targets = installTargets(!!opts.project, opts.cwd, opts.home);
  const report: InstallReport = { files: [] };
  const { settings, added } = mergeSettings(readJsonOrEmpty(targets.settingsFile), { mcp: !!opts.mcp, project: !!opts.project });
  report.files.push({ file: targets.settingsFile, added, backup: added.length ? backupAndWrite(targets.settingsFile, settings) : null });
  if (opts.mcp) {
    const home = process.env.CLAUDEMESH_HOME?.trim();
    const env: Record<string, string> = home ? { CLAUDEMESH_HOME: path.resolve(home) } : {};
    const { config, added: mcpAdded } = mergeMcpServers(readJsonOrEmpty(targets.mcpFile), env);
    report.files.push({ file: targets.mcpFile, added: mcpAdded, backup: mcpAdded.length ? backupAndWrite(targets.mcpFile, config) : null });
  }
  return report;
}
