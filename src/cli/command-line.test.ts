import { describe, expect, it } from 'vitest';
import { SIMULATE_USAGE } from '../simulator/cli.js';
import { commandUsage, globalUsage, parseCommandLine } from './command-line.js';

describe('command line', () => {
  it('answers --help and --version without running anything', () => {
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help', text: globalUsage() });
    expect(parseCommandLine(['-h']).kind).toBe('help');
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' });
    expect(parseCommandLine(['serve', '--help'])).toEqual({ kind: 'help', text: commandUsage('serve') });
    expect(parseCommandLine(['check-config', '-h'])).toEqual({ kind: 'help', text: commandUsage('check-config') });
    expect(parseCommandLine(['simulate', '--help'])).toEqual({ kind: 'help', text: SIMULATE_USAGE });
  });

  it('lists every command with its options, simulate with the options of its own parser', () => {
    const text = globalUsage();
    for (const command of ['serve', 'check-config', 'simulate']) expect(text).toContain(`  ${command} `);
    expect(text).toContain('--config FILE');
    expect(text).toContain('--live-interval-ms N');
    expect(text).toContain('--version');
  });

  it('serves without a command name, and passes each command its own arguments', () => {
    expect(parseCommandLine([])).toEqual({ kind: 'run', command: 'serve', argv: [] });
    const run = (command: string, argv: string[]) => ({ kind: 'run', command, argv });
    expect(parseCommandLine(['--config', 'a.yaml'])).toEqual(run('serve', ['--config', 'a.yaml']));
    expect(parseCommandLine(['check-config', '--config=a.yaml'])).toEqual(run('check-config', ['--config=a.yaml']));
    expect(parseCommandLine(['simulate', '--live', '--seed', '7'])).toEqual(run('simulate', ['--live', '--seed', '7']));
  });

  it('makes an unknown command, an unknown option or a stray argument a usage error', () => {
    const wrong = [['frob'], ['serve', '--bogus'], ['--bogus'], ['serve', 'extra'], ['check-config', '--config']];
    wrong.push(['--help', '-x']);
    for (const argv of wrong) {
      expect(parseCommandLine(argv).kind, argv.join(' ')).toBe('usage-error');
    }
  });
});
