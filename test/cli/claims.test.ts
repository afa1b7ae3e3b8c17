/**
 * The claims table: collected from a temporary reports/metrics folder (files with claim lists, an
 * older map of booleans, a file without claims), rendered as markdown, written between the README
 * markers by the CLI, `--check` for an up-to-date and a stale README, and the one-line errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CLAIMS_END, CLAIMS_START, claimsTable, collectClaims, formatNumber, replaceClaimsSection,
} from '../../lib/figures/claims-table';
import type { Claim } from '../../lib/metrics/uncertainty';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'claims-'));
const tsx = path.resolve('node_modules/.bin/tsx');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function claim(over: Partial<Claim>): Claim {
  return {
    id: 'x', statement: 'A > B', metric: 'mean over images of A − B', value: 0.0123456, interval: [0.004, 0.0201],
    level: 0.95, n: 256, seeds: [42], verdict: 'holds', ...over,
  };
}

/** A reports folder: two figures with claims, localization's older boolean map, a training summary without claims. */
function makeReports(root: string): void {
  const m = path.join(root, 'metrics');
  fs.mkdirSync(m, { recursive: true });
  const write = (name: string, v: unknown) => fs.writeFileSync(path.join(m, name), JSON.stringify(v, null, 2));
  write('06-multi-object.json', { pairs: 128, claims: [claim({ id: 'settles', statement: 'Attention settles', metric: 'focus |2s − 1| at step T', value: -0.02, interval: [-0.05, 0.01], n: 128, verdict: 'inconclusive' })] });
  write('01-variance.json', {
    layer: 'conv4',
    claims: [
      claim({ id: 'v_s', statement: 'SAM variance > SNN Grad-CAM variance (surrogate)' }),
      claim({ id: 'v_c', statement: 'SAM variance > SNN Grad-CAM variance (conversion)', value: -0.0331, interval: [-0.04, -0.027], verdict: 'fails', seeds: [1, 2] }),
    ],
  });
  write('04-localization.json', { claims: { conversion_worse_every_layer: true } });
  write('train.json', { ann: { val_accuracy: 0.9 } });
}

const README = `# project\n\nintro\n\n## Claims\n\n${CLAIMS_START}\nold table\n${CLAIMS_END}\n\nafter\n`;

function run(args: string[]) {
  const r = spawnSync(tsx, ['lib/cli/claims.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, err: r.stderr };
}

describe('claims table', () => {
  it('collects claim lists in file order, skips a non-list `claims`, ignores files without claims', () => {
    const root = path.join(dir, 'collect');
    makeReports(root);
    const { claims, skipped } = collectClaims(path.join(root, 'metrics'));
    expect(claims.map((c) => `${c.figure}:${c.claim.id}`)).toEqual(['01-variance:v_s', '01-variance:v_c', '06-multi-object:settles']);
    expect(skipped).toEqual([path.join(root, 'metrics', '04-localization.json')]);
  });

  it('renders one row per claim: paper figure with a link to its metrics file, 3 significant digits, escaped pipes, bold non-holding verdicts', () => {
    const root = path.join(dir, 'render');
    makeReports(root);
    const table = claimsTable(collectClaims(path.join(root, 'metrics')).claims, path.join(root, 'README.md')).split('\n');
    expect(table[1]).toBe('| figure | claim | value | 95 % interval | n | seeds | verdict | metric |');
    expect(table).toHaveLength(3 + 3);
    expect(table[3]).toBe('| Fig. 2 [01-variance](metrics/01-variance.json) | SAM variance > SNN Grad-CAM variance (surrogate) | 0.0123 | [0.004, 0.0201] | 256 | 42 | holds | mean over images of A − B |');
    expect(table[4]).toContain('| -0.0331 | [-0.04, -0.027] | 256 | 1, 2 | **fails** |');
    expect(table[5]).toContain('focus \\|2s − 1\\| at step T');
    expect(table[5]).toContain('**inconclusive**');
    expect(claimsTable([], 'README.md')).toContain('No claims in the metrics files yet');
    expect([formatNumber(0.000367596), formatNumber(-0), formatNumber(-1e-20 * 0), formatNumber(12.345), formatNumber(1)]).toEqual(['0.000368', '0', '0', '12.3', '1']);
  });

  it('replaces exactly the marked section, idempotently; a missing, repeated or reversed marker is an error naming the file', () => {
    const once = replaceClaimsSection(README, 'TABLE', 'README.md');
    expect(once).toBe(`# project\n\nintro\n\n## Claims\n\n${CLAIMS_START}\n\nTABLE\n\n${CLAIMS_END}\n\nafter\n`);
    expect(replaceClaimsSection(once, 'TABLE', 'README.md')).toBe(once);
    expect(() => replaceClaimsSection('# no markers\n', 'T', 'docs/README.md')).toThrow(`docs/README.md: no '${CLAIMS_START}' marker`);
    expect(() => replaceClaimsSection(`${CLAIMS_START}\n`, 'T', 'R.md')).toThrow(`R.md: no '${CLAIMS_END}' marker`);
    expect(() => replaceClaimsSection(`${CLAIMS_START}${CLAIMS_START}${CLAIMS_END}`, 'T', 'R.md')).toThrow(`R.md: '${CLAIMS_START}' appears 2 times`);
    expect(() => replaceClaimsSection(`${CLAIMS_END}\n${CLAIMS_START}`, 'T', 'R.md')).toThrow(`R.md: '${CLAIMS_END}' comes before '${CLAIMS_START}'`);
  });

  it('a malformed claim is an error naming the file, the index and the field', () => {
    const root = path.join(dir, 'bad');
    fs.mkdirSync(path.join(root, 'metrics'), { recursive: true });
    const file = path.join(root, 'metrics', '02-gamma-ablation.json');
    fs.writeFileSync(file, JSON.stringify({ claims: [claim({}), { ...claim({ id: 'g' }), verdict: 'maybe' }] }));
    expect(() => collectClaims(path.join(root, 'metrics'))).toThrow(`${file}: claims[1] (g): 'verdict' must be one of holds, fails, inconclusive, got "maybe"`);
    fs.writeFileSync(file, JSON.stringify({ claims: [{ ...claim({}), interval: [0] }] }));
    expect(() => collectClaims(path.join(root, 'metrics'))).toThrow(`${file}: claims[0] (x): 'interval' must be [low, high]`);
    expect(() => collectClaims(path.join(root, 'nowhere'))).toThrow(`${path.join(root, 'nowhere')}: no such folder`);
  });
});

describe('claims CLI', () => {
  it('writes the table between the markers, leaves the rest alone; --check passes on it and fails (one line) once the README is stale', () => {
    const root = path.join(dir, 'cli');
    makeReports(path.join(root, 'reports'));
    const readme = path.join(root, 'README.md');
    fs.writeFileSync(readme, README);
    const reports = path.join(root, 'reports');

    const stale = run(['--reports', reports, '--readme', readme, '--check']);
    expect(stale.code).toBe(1);
    expect(stale.err.trim().split('\n')).toEqual([
      `claims: ${path.join(reports, 'metrics', '04-localization.json')}: 'claims' is not a list of claims (an older map of booleans?); left out of the table`,
      `claims: error: ${readme}: the claims table differs from ${path.join(reports, 'metrics')}/*.json (run npm run claims)`,
    ]);
    expect(fs.readFileSync(readme, 'utf8')).toBe(README); // --check writes nothing

    const write = run(['--reports', reports, '--readme', readme]);
    expect(write.code).toBe(0);
    const text = fs.readFileSync(readme, 'utf8');
    expect(text.startsWith('# project\n\nintro\n\n## Claims\n\n')).toBe(true);
    expect(text.endsWith(`${CLAIMS_END}\n\nafter\n`)).toBe(true);
    expect(text).not.toContain('old table');
    expect(text).toContain('| Fig. 6c [06-multi-object](reports/metrics/06-multi-object.json) | Attention settles | -0.02 | [-0.05, 0.01] | 128 | 42 | **inconclusive** |');
    expect(fs.readdirSync(root).filter((f) => f.endsWith('.tmp'))).toEqual([]); // atomic write left no temp file

    expect(run(['--reports', reports, '--readme', readme, '--check']).code).toBe(0);
  });

  it('one-line errors: missing markers name the README; an unknown argument shows the usage', () => {
    const root = path.join(dir, 'cli-errors');
    makeReports(path.join(root, 'reports'));
    fs.rmSync(path.join(root, 'reports', 'metrics', '04-localization.json'));
    const readme = path.join(root, 'README.md');
    fs.writeFileSync(readme, '# no markers here\n');
    const r = run(['--reports', path.join(root, 'reports'), '--readme', readme]);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toEqual([`claims: error: ${readme}: no '${CLAIMS_START}' marker (put '${CLAIMS_START}' and '${CLAIMS_END}' on their own lines where the claims table goes)`]);
    const u = run(['--bogus', 'x']);
    expect(u.code).toBe(1);
    expect(u.err).toContain("claims: error: unknown argument '--bogus'");
  });
});
