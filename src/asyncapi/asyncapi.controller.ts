import { Controller, Get, Header } from '@nestjs/common';

/**
 * GET /asyncapi.json: the AsyncAPI document, development mode only (AsyncApiModule is not
 * loaded with NODE_ENV=production). The generator is loaded on the first request, so a
 * gateway that never serves the document never builds it.
 */
@Controller()
export class AsyncApiController {
  private text?: Promise<string>;

  @Get('asyncapi.json')
  @Header('Content-Type', 'application/json; charset=utf-8')
  document(): Promise<string> {
    this.text ??= import('./asyncapi-document.js').then(
      (m) => m.asyncApiText(),
      (err: unknown) => {
        this.text = undefined;
        throw err;
      },
    );
    return this.text;
  }
}
