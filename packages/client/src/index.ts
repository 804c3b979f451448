// The package's entry point: `import { connectGateway, connectService } from '@realtime-gateway/client'`.
// Browser-safe: nothing here imports a Node module (the event maps are types only).
export { connectGateway, GatewayClient, type GatewayClientEvents, type GatewayClientOptions, type SessionEndCode, type SessionEnded } from './gateway-client.js';
export { connectService, ServiceClient, type ServiceClientEvents, type ServiceClientOptions, type ServiceEnded } from './service-client.js';
export { GatewayError, type GatewayErrorCode } from './gateway-error.js';
export type { ConnectionState, RequestArgs, RequestOptions } from './typed-channel.js';
// The wire contract (event maps, payloads, acks, error codes): the types the gateway is written against.
export type * from './events.js';
