import { describe, expect, it, vi } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { replaceFolderAtomic, writeFileAtomic } from '../../lib/io/atomic';

// writeSync is wrapped so one test can make it fail like a full disk.
vi.mock('fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('fs')>();
  return { ...real, writeSync: vi.fn(real.writeSync) };
});

const leftovers = (d: string) => fs.readdirSync(d).filter((f) => /\.(tmp|old)$/.test(f));

describe('atomic writes', () => {
  it('a failing write keeps the old file and leaves no temporary file', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    const f = path.join(d, 'x.json');
    writeFileAtomic(f, 'old');
    vi.mocked(fs.writeSync).mockImplementationOnce(() => { throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); });
    expect(() => writeFileAtomic(f, 'new')).toThrow(`${f}: could not write (ENOSPC: no space left on device, write); the previous file, if any, is unchanged`);
    expect(fs.readFileSync(f, 'utf8')).toBe('old');
    expect(leftovers(d)).toEqual([]);
  });

  it('replaceFolderAtomic swaps the whole folder only when filling it succeeded', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-dir-'));
    const d = path.join(root, 'prepared');
    replaceFolderAtomic(d, (tmp) => { fs.writeFileSync(path.join(tmp, 'train.bin'), 'old train'); fs.writeFileSync(path.join(tmp, 'val.bin'), 'old val'); });
    expect(() => replaceFolderAtomic(d, (tmp) => {
      fs.writeFileSync(path.join(tmp, 'train.bin'), 'new train');
      throw new Error('val split failed');
    })).toThrow('val split failed');
    expect(fs.readFileSync(path.join(d, 'train.bin'), 'utf8')).toBe('old train');
    expect(fs.readFileSync(path.join(d, 'val.bin'), 'utf8')).toBe('old val');
    expect(leftovers(root)).toEqual([]);
    replaceFolderAtomic(d, (tmp) => fs.writeFileSync(path.join(tmp, 'train.bin'), 'new train'));
    expect(fs.readdirSync(d)).toEqual(['train.bin']);
    expect(leftovers(root)).toEqual([]);
  });
});
