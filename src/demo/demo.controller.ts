import { Controller, Get, Header, Param, Redirect, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { FAVICON_SVG, FAVICON_TYPE } from '../common/favicon.js';
import { AppConfig } from '../config/app-config.js';
import { DEV_CHAT_ID, DEV_USER_ID, devPushCurl, devUserToken, SECRET_PLACEHOLDER, shownInternalSecret } from '../dev-banner.js';
import { DemoAssets } from './demo-assets.js';
import { type DemoSettings, renderDemoPage } from './demo-page.js';

const JS = 'text/javascript; charset=utf-8';

/**
 * GET /demo: a page that connects with the typed client, shows the connection state, the user's
 * presence and every event it receives, sends chat and direct messages, and prints the curl that
 * pushes to it. Registered only when DEMO_PAGE is on (default outside production). In development
 * mode (generated secrets) it connects as the dev user by itself when the visitor is on this
 * machine: /demo/token hands local callers dev-user tokens (no admin role) and the curl carries
 * the internal secret if it was generated (a configured one is never shown). Anyone else pastes
 * a token.
 */
@Controller('demo')
export class DemoController {
  private readonly assets = new DemoAssets();

  constructor(private readonly config: AppConfig) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  page(@Req() req: FastifyRequest): string {
    const dev = this.devTokens(req);
    const base = `${req.protocol}://${req.host}`;
    const secret = dev ? shownInternalSecret(this.config) : undefined;
    const settings: DemoSettings = {
      devToken: dev,
      userId: dev ? DEV_USER_ID : undefined,
      chatId: dev ? DEV_CHAT_ID : undefined,
      // Only a generated secret is ever shown; otherwise the curl names the variable.
      curl: secret && secret !== SECRET_PLACEHOLDER ? devPushCurl(base, secret) : devPushCurl(base, SECRET_PLACEHOLDER, '<user id>'),
    };
    return renderDemoPage(settings);
  }

  /** A fresh 1-hour dev-user token for each call (the client calls it again to refresh). Development mode, local callers only. */
  @Get('token')
  @Header('Cache-Control', 'no-store')
  token(@Req() req: FastifyRequest): { token: string } {
    if (!this.devTokens(req)) throw new AppError(ErrorCode.NOT_FOUND, 'Route not found');
    return { token: devUserToken(this.config, '1h', []) };
  }

  /**
   * Dev tokens go to callers on this machine only: the TCP peer is a loopback address. The peer,
   * not X-Forwarded-For, which the caller writes (a local reverse proxy in front makes every
   * caller local: set JWT_SECRET there instead of relying on development mode).
   */
  private devTokens(req: FastifyRequest): boolean {
    return this.config.generatedSecrets && isLoopback(req.raw.socket.remoteAddress);
  }

  @Get('socket.io-client.js')
  @Header('Content-Type', JS)
  socketIo(): Promise<Buffer> {
    return this.assets.socketIo();
  }

  @Get('favicon.svg')
  @Header('Content-Type', FAVICON_TYPE)
  @Header('Cache-Control', 'public, max-age=86400')
  favicon(): string {
    return FAVICON_SVG;
  }

  @Get('client/:file')
  @Header('Content-Type', JS)
  client(@Param('file') file: string): Promise<Buffer> {
    return this.assets.client(file);
  }
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * Development mode only: `/` opens the demo page, and a browser's implicit `/favicon.ico` gets
 * the icon (the pages link theirs; other URLs opened in a browser ask for this one).
 */
@Controller()
export class DemoRootController {
  @Get()
  @Redirect('/demo', 302)
  root(): void {}

  @Get('favicon.ico')
  @Header('Content-Type', FAVICON_TYPE)
  @Header('Cache-Control', 'public, max-age=86400')
  favicon(): string {
    return FAVICON_SVG;
  }
}
