/**
 * `claims-machines`: two runs' reports/metrics folders (same settings and seed) compared claim by
 * claim into machines.json, set against a seeds.json; and the one-line errors for a run of other
 * settings and a missing --other.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Claim } from '../../lib/metrics/uncertainty';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'claims-machines-'));
const tsx = path.resolve('node_modules/.bin/tsx');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function claim(id: string, value: number, verdict: Claim['verdict']): Claim {
  return { id, statement: `claim ${id}`, metric: 'm', value, interval: [value - 0.1, value + 0.1], level: 0.95, n: 256, seeds: [42], verdict };
}

/** One run's metrics folder: a training summary (settings, CPU, accuracies) and one figure's claims. */
function makeRun(name: string, cpu: string, claims: Claim[], resolved: Record<string, unknown> = { seed: 42, padding: 'replicate' }): string {
  const m = path.join(dir, name);
  fs.mkdirSync(m, { recursive: true });
  fs.writeFileSync(path.join(m, 'train.json'), JSON.stringify({ resolved, cpu, ann: { val_accuracy: 0.92 }, snn_surrogate: { val_accuracy: 0.88 }, snn_converted: { val_accuracy: 0.93 } }));
  fs.writeFileSync(path.join(m, '01-variance.json'), JSON.stringify({ claims }));
  return m;
}

function run(args: string[]) {
  const r = spawnSync(tsx, ['lib/cli/claims-machines.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, err: r.stderr };
}

describe('claims-machines', () => {
  it('writes both runs\' verdicts per claim, the opposite ones, and those against the verdict over seeds', () => {
    const a = makeRun('amd', 'AMD EPYC', [claim('x', 0.3, 'holds'), claim('y', 0.05, 'inconclusive')]);
    const b = makeRun('xeon', 'Intel Xeon', [claim('x', -0.3, 'fails'), claim('y', 0.04, 'inconclusive')]);
    const seeds = path.join(dir, 'seeds.json');
    fs.writeFileSync(seeds, JSON.stringify({ seeds: [42, 1, 2], claims: [{ figure: '01-variance', id: 'x', verdict: 'holds' }] }));
    const out = path.join(dir, 'machines.json');
    const r = run(['--metrics', a, '--other', b, '--seeds', seeds, '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('AMD EPYC vs Intel Xeon, seed 42: 1 of 2 claims alike, 1 opposite, 1 against the verdict over seeds');
    const m = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(m.runs.map((x: { cpu: string }) => x.cpu)).toEqual(['AMD EPYC', 'Intel Xeon']);
    expect(m.summary).toEqual({ claims: 2, same_verdict: 1, opposite: 1, contradicts_combined: 1 });
    expect(m.claims[0]).toMatchObject({ id: 'x', opposite: true, combined: 'holds', contradicts_combined: true });
    expect(m.claims[1]).toMatchObject({ id: 'y', opposite: false, combined: null });
  });

  it('refuses a run of other settings, naming the key, and asks for --other', () => {
    const a = makeRun('a2', 'AMD EPYC', [claim('x', 0.3, 'holds')]);
    const b = makeRun('b2', 'Intel Xeon', [claim('x', 0.3, 'holds')], { seed: 42, padding: 'zeros' });
    const r = run(['--metrics', a, '--other', b, '--out', path.join(dir, 'no.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('padding: "replicate" vs "zeros"');
    expect(fs.existsSync(path.join(dir, 'no.json'))).toBe(false);
    const missing = run(['--metrics', a]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('--other is required');
  });
});
