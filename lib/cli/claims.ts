/**
 * The `claims` command: rewrites the README's claims table (between `<!-- claims:start -->` and
 * `<!-- claims:end -->`) from the `claims` lists in reports/metrics/*.json: per claim the figure,
 * statement, value, 95 % interval, n, seeds, verdict and what was measured.
 * Usage: npx tsx lib/cli/claims.ts [--reports reports] [--readme README.md] [--check]
 * `--check` writes nothing and exits 1 when the README differs from what it would write.
 */
import * as fs from 'fs';
import * as path from 'path';
import { claimsTable, collectClaims, replaceClaimsSection } from '../figures/claims-table';
import { writeFileAtomic } from '../io/atomic';
import { parseArgs, runMain } from './common';

const USAGE = 'usage: npx tsx lib/cli/claims.ts [--reports reports] [--readme README.md] [--check]';

runMain('claims', async () => {
  const argv = process.argv.slice(2);
  const check = argv.includes('--check');
  const args = parseArgs(argv.filter((a) => a !== '--check'), { reports: 'reports', readme: 'README.md' }, USAGE);
  if (!args) return void console.log(USAGE);
  const metricsDir = path.join(args.reports, 'metrics');
  const { claims, skipped } = collectClaims(metricsDir);
  for (const f of skipped) console.error(`claims: ${f}: 'claims' is not a list of claims (an older map of booleans?); left out of the table`);
  let readme: string;
  try {
    readme = fs.readFileSync(args.readme, 'utf8');
  } catch {
    throw new Error(`${args.readme}: cannot read the README`);
  }
  const updated = replaceClaimsSection(readme, claimsTable(claims, args.readme), args.readme);
  const files = new Set(claims.map((c) => c.file)).size;
  if (check) {
    if (updated !== readme) throw new Error(`${args.readme}: the claims table differs from ${metricsDir}/*.json (run npm run claims)`);
    console.error(`claims: ${args.readme} is up to date (${claims.length} claims from ${files} files)`);
    return;
  }
  if (updated !== readme) writeFileAtomic(args.readme, updated);
  console.error(`claims: ${args.readme}: ${claims.length} claims from ${files} files${updated === readme ? ' (unchanged)' : ''}`);
});
