/**
 * The files of the browser bundles, read once and kept in memory with a
 * strong ETag of their content and their compressed forms (made on first
 * demand, off the event loop). Only files that exist in the bundle
 * directories are held, so the memory is bounded by what the packages ship.
 *
 * The ETag hashes the content, never size and mtime: npm gives every file of
 * an installed package the same mtime, so after an upgrade a file of the same
 * size would otherwise look unchanged and pages would keep a stale entry file
 * pointing at chunks that are gone.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** A content coding the server can answer with. */
export type Coding = 'br' | 'gzip' | 'identity';

/** One file as served. */
export interface BundleFile {
  readonly body: Buffer;
  /** Quoted strong ETag of the content (the same for every coding; `Vary` tells caches apart). */
  readonly etag: string;
  /** The body in `coding`, compressed on first use. */
  encoded(coding: Coding): Promise<Buffer>;
}

interface CachedFile extends BundleFile {
  readonly size: number;
  readonly mtimeMs: number;
}

/** Looks files up in `dirs`, first match wins, and keeps what it read. */
export class BundleFiles {
  readonly #dirs: readonly string[];
  readonly #cache = new Map<string, CachedFile>();

  constructor(dirs: readonly string[]) {
    this.#dirs = dirs;
  }

  /**
   * The file at `relative` (a checked path: no `..`, no leading `/`), or null
   * when no directory has it. A file rewritten since it was read (a rebuild
   * while the server runs) is read again.
   */
  async get(relative: string): Promise<BundleFile | null> {
    for (const dir of this.#dirs) {
      const path = join(dir, relative);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) continue;
      const cached = this.#cache.get(path);
      if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs) return cached;
      const file = loaded(await readFile(path), info.size, info.mtimeMs);
      this.#cache.set(path, file);
      return file;
    }
    return null;
  }
}

function loaded(body: Buffer, size: number, mtimeMs: number): CachedFile {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  const encodings = new Map<Coding, Promise<Buffer>>();
  return {
    body,
    etag,
    size,
    mtimeMs,
    encoded(coding) {
      if (coding === 'identity') return Promise.resolve(body);
      let encoding = encodings.get(coding);
      if (!encoding) {
        encoding =
          coding === 'br'
            ? brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } })
            : gzipAsync(body, { level: 9 });
        // A failed compression is not kept: the next request tries again.
        encoding.catch(() => encodings.delete(coding));
        encodings.set(coding, encoding);
      }
      return encoding;
    },
  };
}

/** The best coding `accept-encoding` allows: brotli, then gzip, else none. */
export function negotiateCoding(acceptEncoding: string | undefined): Coding {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const allows = (coding: string): boolean => (accepted.get(coding) ?? accepted.get('*') ?? 0) > 0;
  if (allows('br')) return 'br';
  if (allows('gzip')) return 'gzip';
  return 'identity';
}
