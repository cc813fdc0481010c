import { Injectable, OnModuleInit } from '@nestjs/common';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, relative, sep } from 'node:path';

export interface WebAsset {
  body: Buffer;
  contentType: string;
  lastModified: Date;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/** URL of the socket.io browser client (ES module build) that the pages and the widget import. */
export const SOCKET_CLIENT_URL = '/assets/vendor/socket.io.esm.min.js';

/**
 * The static files of `apps/web/public`, read from disk per request (edits show without a restart) but only
 * for names listed when the module starts: a request can never name a path outside that list, so `..`,
 * encoded slashes or symlinks cannot reach other files.
 */
@Injectable()
export class WebAssetsRepository implements OnModuleInit {
  private readonly files = new Map<string, string>();

  onModuleInit(): void {
    const root = findPublicDir(__dirname);
    for (const file of walk(root)) this.files.set(relative(root, file).split(sep).join('/'), file);
    // socket.io also serves its client at /socket.io/, but without CORS headers, so a widget on another origin
    // could not import() it as a module; ours goes through Express and its CORS_ORIGINS policy.
    const client = join(
      dirname(require.resolve('socket.io-client/package.json')),
      'dist',
      'socket.io.esm.min.js',
    );
    this.files.set(SOCKET_CLIENT_URL.slice(1), client);
  }

  /** The file at `name` (relative to the public dir, `/`-separated), or null when there is none. */
  async read(name: string): Promise<WebAsset | null> {
    const file = this.files.get(name);
    if (!file) return null;
    const [body, info] = await Promise.all([readFile(file), stat(file)]);
    return {
      body,
      contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      lastModified: info.mtime,
    };
  }
}

/** `apps/web/public`, found upwards from here: the same code runs from `apps/server/src/web` (ts) and `dist/...` (js). */
function findPublicDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'apps', 'web', 'public');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`apps/web/public not found above ${from}`);
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return walk(full);
    return entry.isFile() ? [full] : [];
  });
}
