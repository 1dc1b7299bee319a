import { describe, expect, it } from 'vitest';
import { SIMULATE_USAGE } from '../simulator/cli.js';
import { commandUsage, globalUsage, parseAlertsCommand, parseCommandLine } from './command-line.js';

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

  it('parses alerts backtest, and makes a missing or wrong option a usage error', () => {
    const argv = [
      'backtest',
      '--org',
      'nx',
      '--from',
      '2026-01-01T00:00:00+08:00',
      '--to',
      '2026-02-01T00:00:00+08:00',
    ];
    expect(parseCommandLine(['alerts', ...argv])).toEqual({ kind: 'run', command: 'alerts', argv });
    expect(parseAlertsCommand([...argv, '--rule', 'meter_offline', '--json'])).toEqual({
      kind: 'backtest',
      orgId: 'nx',
      fromMs: Date.parse('2025-12-31T16:00:00Z'),
      toMs: Date.parse('2026-01-31T16:00:00Z'),
      rule: 'meter_offline',
      json: true,
    });
    expect(parseCommandLine(['alerts', 'backtest', '--help'])).toEqual({ kind: 'help', text: commandUsage('alerts') });
    expect(globalUsage()).toContain('  alerts ');
    const wrong = [
      [],
      ['replay'],
      ['backtest'],
      argv.filter((a) => a !== '--org' && a !== 'nx'),
      [...argv.slice(0, 5), '--to', '2026-02-30T00:00:00+08:00'],
      [...argv.slice(0, 5), '--to', '2025-12-01T00:00:00+08:00'],
      [...argv, '--rule', 'nope'],
      [...argv, '--bogus'],
      [...argv, 'extra'],
    ];
    for (const args of wrong) expect(parseCommandLine(['alerts', ...args]).kind, args.join(' ')).toBe('usage-error');
  });
});
