import type { AppError } from './error-codes.js';

/** The `connect_error` shape of docs/protocol.md §2.1: message is the code, data is `{ code, message }`. */
export function handshakeError(error: AppError): Error & { data: { code: string; message: string } } {
  return Object.assign(new Error(error.code), { data: { code: error.code, message: error.message } });
}
