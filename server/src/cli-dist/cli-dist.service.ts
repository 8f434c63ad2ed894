import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Injectable } from '@nestjs/common';
import { AppError } from '@claudemesh/shared/errors';
import { repoRoot } from '../config/version';

export interface CliTarball {
  file: string;
  etag: string;
  size: number;
}

/**
 * The CLI that matches this server (operations.md §10a): the `npm pack` tarball of cli/, which the build writes to
 * cli/dist-pack/claudemesh-<version>.tgz (npm pack --pack-destination dist-pack).
 */
@Injectable()
export class CliDistService {
  private readonly cliDir = path.join(repoRoot(), 'cli');
  private cache: { file: string; mtimeMs: number; tarball: CliTarball } | null = null;

  version(): string {
    try {
      return String(JSON.parse(fs.readFileSync(path.join(this.cliDir, 'package.json'), 'utf8')).version);
    } catch {
      throw new AppError('not_found', 'The CLI is not available on this server');
    }
  }

  tarball(): CliTarball {
    const version = this.version();
    const name = `claudemesh-${version}.tgz`;
    const file = [path.join(this.cliDir, 'dist-pack', name), path.join(this.cliDir, 'dist-pack', 'claudemesh.tgz'), path.join(this.cliDir, name), path.join(this.cliDir, 'dist', name)].find((f) =>
      fs.existsSync(f),
    );
    if (!file) throw new AppError('not_found', 'The CLI tarball has not been built on this server');
    const st = fs.statSync(file);
    if (this.cache && this.cache.file === file && this.cache.mtimeMs === st.mtimeMs) return this.cache.tarball;
    const etag = `"${createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 32)}"`;
    const tarball = { file, etag, size: st.size };
    this.cache = { file, mtimeMs: st.mtimeMs, tarball };
    return tarball;
  }
}
