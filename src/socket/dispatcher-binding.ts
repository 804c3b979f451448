import { WebSocketsController } from '@nestjs/websockets/web-sockets-controller.js';
import type { Subject } from 'rxjs';
import type { EventDispatcher } from './event-dispatcher.js';

/** An adapter that routes every gateway's handlers through one dispatcher. */
export interface DispatchingAdapter {
  readonly dispatcher: EventDispatcher;
}

function isDispatching(adapter: unknown): adapter is DispatchingAdapter {
  return typeof adapter === 'object' && adapter !== null && 'dispatcher' in adapter;
}

type GetConnectionHandler = (
  this: WebSocketsController,
  context: WebSocketsController,
  instance: object,
  subscribersMap: { message: string; callback: (...args: unknown[]) => unknown; isAckHandledManually?: boolean }[],
  disconnect: Subject<{ client: never; reason: string }>,
  connection: Subject<unknown[]>,
) => (...args: unknown[]) => void;

interface ControllerInternals {
  config: { getIoAdapter(): unknown };
}

let installed = false;

/**
 * `@nestjs/websockets` builds each gateway's handlers once (pipes, guards, interceptors, filters)
 * and, per connection, binds them to the socket through `getConnectionHandler`. That one method is
 * replaced, for adapters that carry a dispatcher, by the dispatcher's handler, which keeps Nest's
 * handlers and lifecycle hooks but not its per-socket pipelines. Other adapters keep Nest's path.
 * Throws at start-up if the method is gone (a Nest upgrade changed the internals).
 */
export function installDispatcherBinding(): void {
  if (installed) return;
  const proto = WebSocketsController.prototype as unknown as { getConnectionHandler?: GetConnectionHandler };
  const original = proto.getConnectionHandler;
  if (typeof original !== 'function' || original.length !== 5) {
    throw new Error(
      '@nestjs/websockets no longer has WebSocketsController.getConnectionHandler(context, instance, handlers, disconnect, connection); ' +
        'the event dispatcher cannot bind gateways. Pin @nestjs/websockets to a version it supports.',
    );
  }
  proto.getConnectionHandler = function (this: WebSocketsController, context, instance, subscribersMap, disconnect, connection) {
    const adapter = (this as unknown as ControllerInternals).config.getIoAdapter();
    if (!isDispatching(adapter)) return original.call(this, context, instance, subscribersMap, disconnect, connection);
    return adapter.dispatcher.connectionHandler(instance, subscribersMap, disconnect as never, connection);
  };
  installed = true;
}
