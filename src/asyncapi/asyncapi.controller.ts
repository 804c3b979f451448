import { Controller, Get, Header } from '@nestjs/common';
import { asyncApiText } from './asyncapi-document.js';

/** GET /asyncapi.json: the AsyncAPI document, development mode only (AsyncApiModule is not loaded with NODE_ENV=production). */
@Controller()
export class AsyncApiController {
  private text?: string;

  @Get('asyncapi.json')
  @Header('Content-Type', 'application/json; charset=utf-8')
  document(): string {
    this.text ??= asyncApiText();
    return this.text;
  }
}
