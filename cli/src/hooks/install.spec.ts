import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HOOK_ENTRIES, MCP_TOOLS, installHooks, mergeSettings } from './install';

describe('hooks install (protocol.md §10)', () => {
  let dir: string;
  const saved = { HOME: process.env.HOME, CLAUDE_CONFIG_DIR: process.env.CLAUDE_CONFIG_DIR };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-cli-hooks-'));
    process.env.HOME = dir;
    delete process.env.CLAUDE_CONFIG_DIR;
  });
  afterEach(() => {
    process.env.HOME = saved.HOME;
    if (saved.CLAUDE_CONFIG_DIR) process.env.CLAUDE_CONFIG_DIR = saved.CLAUDE_CONFIG_DIR;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the three entries into ~/.claude/settings.json, keeps other settings, backs up, and is idempotent', () => {
    const settingsFile = path.join(dir, '.claude', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile));
    const existing = { model: 'opus', hooks: { Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }] } };
    fs.writeFileSync(settingsFile, JSON.stringify(existing));
    const first = installHooks({ home: dir });
    expect(first.files[0].file).toBe(settingsFile);
    expect(first.files[0].backup).toBeTruthy();
    expect(JSON.parse(fs.readFileSync(first.files[0].backup!, 'utf8'))).toEqual(existing);
    const s = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    expect(s.model).toBe('opus');
    expect(s.hooks.UserPromptSubmit[0].hooks[0].command).toBe('claudemesh hook working');
    expect(s.hooks.PostToolUse[0]).toMatchObject({ matcher: '*', hooks: [{ type: 'command', command: 'claudemesh hook working --refresh' }] });
    expect(s.hooks.Stop.map((g: { hooks: { command: string }[] }) => g.hooks[0].command)).toEqual(['say done', 'claudemesh hook idle']);
    const again = installHooks({ home: dir });
    expect(again.files[0].added).toEqual([]);
    expect(JSON.parse(fs.readFileSync(settingsFile, 'utf8'))).toEqual(s);
  });

  it('--mcp registers the server in ~/.claude.json and allows the five tools', () => {
    installHooks({ mcp: true, home: dir });
    const s = JSON.parse(fs.readFileSync(path.join(dir, '.claude', 'settings.json'), 'utf8'));
    expect(s.permissions.allow).toEqual(MCP_TOOLS.map((t) => `mcp__claudemesh__${t}`));
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, '.claude.json'), 'utf8'));
    expect(cfg.mcpServers.claudemesh).toMatchObject({ command: 'claudemesh', args: ['mcp'] });
    const again = installHooks({ mcp: true, home: dir });
    expect(again.files.every((f) => f.added.length === 0)).toBe(true);
  });

  it('--project writes ./.claude/settings.json and ./.mcp.json', () => {
    const project = path.join(dir, 'proj');
    fs.mkdirSync(project);
    installHooks({ project: true, mcp: true, cwd: project, home: dir });
    const s = JSON.parse(fs.readFileSync(path.join(project, '.claude', 'settings.json'), 'utf8'));
    expect(Object.keys(s.hooks).sort()).toEqual(HOOK_ENTRIES.map((e) => e.event).sort());
    expect(s.enabledMcpjsonServers).toEqual(['claudemesh']);
    expect(JSON.parse(fs.readFileSync(path.join(project, '.mcp.json'), 'utf8')).mcpServers.claudemesh.args).toEqual(['mcp']);
    expect(fs.existsSync(path.join(dir, '.claude', 'settings.json'))).toBe(false);
  });

  it('never duplicates an entry that is already there in another group', () => {
    const input = { hooks: { PostToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'claudemesh hook working --refresh' }] }] } };
    const { settings, added } = mergeSettings(input, { mcp: false, project: false });
    expect(settings.hooks.PostToolUse).toHaveLength(1);
    expect(added).toHaveLength(2);
  });
});
