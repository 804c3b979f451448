#!/usr/bin/env python3
"""A user client in Python (python-socketio 5, e.g. Debian's python3-socketio); the e2e test
test/e2e/python-client.e2e-spec.ts runs it as it is and reads its stdout, one JSON object per line.

    user_client.py URL TOKEN PUSH_EVENT [one-arg]

Connects to URL with TOKEN in the handshake's auth, prints {"ready": ...} once the gateway's
`connected` event arrived, waits for one PUSH_EVENT (the test sends it over POST
/internal/emit) and prints its arguments, then calls `presence:update` with an ack and prints
the ack. Handlers take *args: with connection-state recovery on (RECOVERY_WINDOW_MS > 0) every
server-to-client event carries a trailing offset argument, which a one-argument handler cannot
take. `one-arg` registers the push handler with exactly one argument instead, for a gateway
running with RECOVERY_WINDOW_MS=0.
"""
import json
import sys
import threading

import socketio

TIMEOUT_S = 10


def out(**fields):
    print(json.dumps(fields), flush=True)


def main():
    url, token, push_event = sys.argv[1:4]
    one_arg = sys.argv[4:] == ['one-arg']
    sio = socketio.Client(reconnection=False)
    connected = threading.Event()
    pushed = threading.Event()

    @sio.on('connected')
    def on_connected(*args):
        out(ready=args[0])
        connected.set()

    if one_arg:
        @sio.on(push_event)
        def on_push_one(payload):
            out(push=[payload])
            pushed.set()
    else:
        @sio.on(push_event)
        def on_push(*args):
            out(push=list(args))
            pushed.set()

    sio.connect(url, auth={'token': token}, wait_timeout=TIMEOUT_S)
    try:
        if not connected.wait(TIMEOUT_S):
            out(failed='no connected event')
            return 1
        if not pushed.wait(TIMEOUT_S):
            out(failed='no ' + push_event)
            return 1
        out(ack=sio.call('presence:update', {'status': 'away'}, timeout=TIMEOUT_S))
        return 0
    finally:
        sio.disconnect()


if __name__ == '__main__':
    sys.exit(main())
