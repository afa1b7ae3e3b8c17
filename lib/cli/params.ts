/**
 * `npm run params`: validates params.yaml (with the selected profile) and lists every key with
 * its meaning and allowed values.
 * Usage: npx tsx lib/cli/params.ts [--params params.yaml]
 */
import { describeParams, loadParams } from '../params';
import { parseArgs, runMain } from './common';

const USAGE = 'usage: npx tsx lib/cli/params.ts [--params params.yaml]';

runMain('params', async () => {
  const args = parseArgs(process.argv.slice(2), { params: 'params.yaml' }, USAGE);
  if (!args) return void console.log(USAGE);
  const p = loadParams(args.params);
  console.log(`${args.params}: valid (profile ${p.profile})\n`);
  for (const line of describeParams()) console.log(`  ${line}`);
});
