/** What a bench result was measured on: the commit, and whether lib/ had uncommitted changes. */
import { execFileSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');

/** The commit the bench runs on, and whether lib/ has uncommitted changes (null outside git). */
export function spikelensSource(): { commit: string; lib_modified: boolean } | null {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', '--short', 'HEAD'), lib_modified: git('status', '--porcelain', '--', 'lib').length > 0 };
  } catch {
    return null;
  }
}
