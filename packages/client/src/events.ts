/*
 * The wire contract of docs/protocol.md §2–§9: every event of `/` and `/internal`, both directions,
 * with its payload and ack data, the ack envelope and the error codes. The one source of truth
 * for the client, the gateway (src/socket/events.ts re-exports it and adds the server-side
 * typing), the tests and the AsyncAPI document. Types only: it compiles to an empty module.
 *
 * One file per namespace: user-events.ts (`/`), internal-events.ts (`/internal`), and what they
 * share in contract.ts.
 */

export type * from './contract.js';
export type * from './user-events.js';
export type * from './internal-events.js';
