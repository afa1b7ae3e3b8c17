/**
 * The `prepare` stage: builds the data set params.yaml describes and writes
 *   <out>/train.bin, <out>/val.bin   the splits (lib/data/dataset.ts format)
 *   <out>/meta.json                  what was built: source, sizes, class counts, file sizes
 *   <preview>                        a PNG grid of 16 validation images with their boxes in red
 * Usage: npx tsx lib/cli/prepare.ts [--params params.yaml] [--out data/prepared]
 *                                   [--preview reports/figures/data-preview.png]
 * The profile comes from the params file or SPIKELENS_PROFILE. Errors print one line, exit 1.
 */
import * as path from 'path';
import { replaceFolderAtomic, writeFileAtomic, writeJsonAtomic } from '../io/atomic';
import { loadParams } from '../params';
import { buildSplit } from '../data/build';
import { classCounts, saveDataset, type DataSplit } from '../data/dataset';
import { datasetPreviewPng } from '../data/preview';

interface Args { params: string; out: string; preview: string }

const USAGE = 'usage: npx tsx lib/cli/prepare.ts [--params params.yaml] [--out data/prepared] [--preview reports/figures/data-preview.png]';

function parseArgs(argv: string[]): Args | null {
  const args: Args = { params: 'params.yaml', out: 'data/prepared', preview: 'reports/figures/data-preview.png' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return null;
    const key = a.replace(/^--/, '') as keyof Args;
    if (!a.startsWith('--') || !(key in args)) throw new Error(`unknown argument '${a}'\n${USAGE}`);
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`${a} needs a value\n${USAGE}`);
    args[key] = value;
  }
  return args;
}

const seconds = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (!args) {
    console.log(USAGE);
    return;
  }
  const p = loadParams(args.params);
  const t0 = Date.now();
  const what = p.data.source === 'tiny-imagenet' ? `tiny-imagenet from ${p.data.tiny_imagenet_dir}` : p.data.source;
  console.log(`prepare: profile ${p.profile}, ${what}, ${p.data.image_size}×${p.data.image_size}, seed ${p.seed}`);
  // Build both splits in memory first, then write the folder in one swap: a failure anywhere
  // leaves the previous data/prepared untouched.
  const built = (['train', 'val'] as DataSplit[]).map((split) => ({
    split,
    ds: buildSplit(p.data, p.seed, split, (done, total) => console.log(`prepare: ${split} ${done}/${total} images (${seconds(t0)})`)),
  }));
  const splits: Record<string, unknown> = {};
  const ds = built[1].ds;
  replaceFolderAtomic(args.out, (tmp) => {
    for (const { split, ds: d } of built) {
      const bytes = saveDataset(path.join(tmp, `${split}.bin`), d);
      const degenerate = d.degenerate.reduce((a, v) => a + v, 0);
      console.log(`prepare: ${split}.bin: ${d.size} images, ${(bytes / 1e6).toFixed(1)} MB${degenerate ? `, ${degenerate} degenerate boxes` : ''} (${seconds(t0)})`);
      splits[split] = { file: `${split}.bin`, size: d.size, bytes, classCounts: classCounts(d), degenerateBoxes: degenerate };
    }
    // No timestamps: the same params give byte-identical outputs, so DVC sees no change.
    writeJsonAtomic(path.join(tmp, 'meta.json'), {
      source: p.data.source, name: ds.name, profile: p.profile, seed: p.seed,
      height: ds.height, width: ds.width, classNames: ds.classNames, data: p.data, splits,
    });
  });
  console.log(`prepare: wrote ${args.out}/{train.bin,val.bin,meta.json}`);
  writeFileAtomic(args.preview, datasetPreviewPng(ds, 16, { columns: 4, scale: 2 }));
  console.log(`prepare: wrote ${args.preview}; done in ${seconds(t0)}`);
}

try {
  main();
} catch (e) {
  console.error(`prepare: error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
