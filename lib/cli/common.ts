/**
 * What every CLI stage shares: `--key value` arguments with defaults, params + backend start-up,
 * and a `main` wrapper that turns any error into one line on stderr and exit code 1.
 */
import * as os from 'os';
import { initBackend, describeBackend, type BackendInfo } from '../backend';
import { loadParams, type Params } from '../params';

/** Parses `--key value` pairs into a copy of `defaults`; `--help` returns null. Unknown keys throw. */
export function parseArgs<A extends Record<string, string>>(argv: string[], defaults: A, usage: string): A | null {
  const args = { ...defaults } as Record<string, string>;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return null;
    const key = a.replace(/^--/, '');
    if (!a.startsWith('--') || !(key in args)) throw new Error(`unknown argument '${a}'\n${usage}`);
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`${a} needs a value\n${usage}`);
    args[key] = value;
  }
  return args as A;
}

/** Loads params (honouring SPIKELENS_PROFILE) and starts the backend they ask for; logs both. */
export async function startStage(stage: string, paramsFile: string): Promise<{ params: Params; backend: BackendInfo }> {
  const params = loadParams(paramsFile);
  const prefer = process.env.SPIKELENS_BACKEND ? undefined : params.backend;
  const backend = await initBackend({ prefer, log: false });
  console.error(`${stage}: profile ${params.profile}; ${describeBackend(backend)}`);
  return { params, backend };
}

/** Runs an async stage main; errors become `<stage>: error: <message>` and exit code 1. */
export function runMain(stage: string, main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    console.error(`${stage}: error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}

/** Seconds since `t0` (a `performance.now()` value), one decimal. */
export function secondsSince(t0: number): number {
  return Math.round((performance.now() - t0) / 100) / 10;
}

/** What a stage records beside its timing: the CPU model, core count, and the process's peak resident memory so far (MB). */
export function machineStats(): { cpu: string; cores: number; peak_rss_mb: number } {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) };
}
