import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DomainError, ErrorCode } from '@app/contracts';
import type { HttpRequest, HttpResponse } from '../http.types';
import { WebAssetsRepository } from './web-assets.repository';

type SendableResponse = HttpResponse & { send(body: Buffer): void; end(): void };

/** Pages get a strict policy: scripts, styles and sockets only from this server; nothing may frame the consoles. */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const PAGES: Record<string, string> = {
  '': 'index.html',
  demo: 'demo.html',
  agent: 'agent.html',
  admin: 'admin.html',
};

/**
 * Serves `apps/web/public`: `/` (index), `/demo` (a page embedding the widget), `/agent`, `/admin`, `/widget.js`
 * and `/assets/*`. The pages are static; everything they show comes from the REST and socket.io APIs.
 */
@ApiExcludeController()
@Controller()
export class WebController {
  constructor(private readonly assets: WebAssetsRepository) {}

  @Get(['/', 'demo', 'agent', 'admin'])
  async page(@Req() req: HttpRequest, @Res() res: SendableResponse): Promise<void> {
    await this.sendPage(res, PAGES[req.path.replace(/^\/+|\/+$/g, '')], req.method);
  }

  /** A knowledge-base article for customers (the widget's source links); the page reads /api/help/articles/:id. */
  @Get('help/:id')
  async help(@Req() req: HttpRequest, @Res() res: SendableResponse): Promise<void> {
    await this.sendPage(res, 'help.html', req.method);
  }

  @Get('widget.js')
  async widget(@Req() req: HttpRequest, @Res() res: SendableResponse): Promise<void> {
    await this.send(res, 'widget.js', req.method);
  }

  @Get('assets/*path')
  async asset(
    @Req() req: HttpRequest,
    @Param('path') path: string[] | string,
    @Res() res: SendableResponse,
  ): Promise<void> {
    await this.send(res, `assets/${Array.isArray(path) ? path.join('/') : path}`, req.method);
  }

  private async sendPage(res: SendableResponse, name: string | undefined, method: string): Promise<void> {
    res.setHeader('content-security-policy', PAGE_POLICY);
    res.setHeader('x-frame-options', 'DENY');
    await this.send(res, name, method);
  }

  private async send(res: SendableResponse, name: string | undefined, method: string): Promise<void> {
    const asset = name ? await this.assets.read(name) : null;
    if (!asset) throw new DomainError(ErrorCode.NotFound, 'No such page', 404);
    res.setHeader('content-type', asset.contentType);
    // Short cache: a deploy is visible within a minute, a page view does not refetch every module.
    res.setHeader('cache-control', 'public, max-age=60');
    res.setHeader('last-modified', asset.lastModified.toUTCString());
    res.setHeader('x-content-type-options', 'nosniff');
    if (method === 'HEAD') res.end();
    else res.send(asset.body);
  }
}
