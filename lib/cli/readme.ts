/**
 * The `readme` command: rewrites every generated section of the README (lib/cli/readme-sections.ts)
 * from the files the pipeline and the benches write.
 * Usage: npx tsx lib/cli/readme.ts [--readme README.md] [--check]
 * `--check` writes nothing and exits 1 when a section is stale.
 */
import * as fs from 'fs';
import { claimsTable, collectClaims } from '../figures/claims-table';
import { writeFileAtomic } from '../io/atomic';
import type { HorizonReport } from '../metrics/horizon';
import { parseArgs, runMain } from './common';
import { boxesSection, gridSection, horizonSection, type KernelBench, machinesSection, pipelineSection, read, seedsSection, replaceSection, speedSection, trainingSection, type Localization, type MachinesReport, type Pipeline, type SeedsReport, type Simulation, type SnnStep, type TrainReport } from './readme-sections';

const USAGE = 'usage: npx tsx lib/cli/readme.ts [--readme README.md] [--check]';
/** The default pipeline's budget on the reference machine (bench/results/pipeline.json's CPU). */
const PIPELINE_BUDGET_MINUTES = 20;

runMain('readme', async () => {
  const argv = process.argv.slice(2);
  const check = argv.includes('--check');
  const args = parseArgs(argv.filter((a) => a !== '--check'), { readme: 'README.md' }, USAGE);
  if (!args) return void console.log(USAGE);
  const before = fs.readFileSync(args.readme, 'utf8');
  const { claims } = collectClaims('reports/metrics');
  let text = replaceSection(before, 'claims', claimsTable(claims, args.readme), args.readme);
  text = replaceSection(text, 'training', trainingSection(read<TrainReport>('reports/metrics/train.json')), args.readme);
  text = replaceSection(text, 'speed', speedSection(read<SnnStep>('bench/results/snn-step.json'), read<Simulation>('bench/results/simulation.json'), read<KernelBench>('bench/results/kernels.json')), args.readme);
  text = replaceSection(text, 'boxes', boxesSection(read<Localization>('reports/metrics/04-localization.json')), args.readme);
  text = replaceSection(text, 'seeds', seedsSection(read<SeedsReport>('reports/claims/seeds.json')), args.readme);
  text = replaceSection(text, 'machines', machinesSection(read<MachinesReport>('reports/claims/machines.json')), args.readme);
  // SAM by run length (npm run sam-horizon): the workspace's run and other runs' reports (sam-horizon-<run>.json).
  const probes = fs.existsSync('reports/probes') ? fs.readdirSync('reports/probes').filter((f) => /^sam-horizon-.+\.json$/.test(f)).sort() : [];
  const runs = probes.map((f) => ({ run: f.replace(/^sam-horizon-/, '').replace(/\.json$/, ''), report: read<HorizonReport>(`reports/probes/${f}`) as HorizonReport }));
  text = replaceSection(text, 'horizon', horizonSection(read<HorizonReport>('reports/probes/sam-horizon.json'), runs), args.readme);
  const grid = 'reports/grid/encoding-padding.md';
  text = replaceSection(text, 'grid', gridSection(fs.existsSync(grid) ? fs.readFileSync(grid, 'utf8') : null), args.readme);
  // Other machines' runs of the same pipeline (bench/pipeline.ts --out bench/results/pipeline-<cpu>.json).
  const others = fs.readdirSync('bench/results').filter((f) => /^pipeline-.+\.json$/.test(f)).sort().map((f) => read<Pipeline>(`bench/results/${f}`) as Pipeline);
  text = replaceSection(text, 'pipeline', pipelineSection(read<Pipeline>('bench/results/pipeline.json'), others, { minutes: PIPELINE_BUDGET_MINUTES }), args.readme);
  if (check) {
    if (text !== before) throw new Error(`${args.readme}: a generated section is stale (run npm run readme)`);
    console.error(`readme: ${args.readme} is up to date`);
    return;
  }
  if (text !== before) writeFileAtomic(args.readme, text);
  console.error(`readme: ${args.readme} ${text === before ? 'unchanged' : 'updated'} (${claims.length} claims)`);
});
