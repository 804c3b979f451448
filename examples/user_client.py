#!/usr/bin/env python3
"""An interactive user client for the realtime gateway, in Python (python-socketio 5).

    python3 examples/user_client.py [URL] [TOKEN]

URL defaults to http://localhost:3000; TOKEN to $GATEWAY_TOKEN, else it is asked for (the
development banner of `npm start` prints one, `npm run token -- --user alice` makes one).
Every event the gateway sends is printed as `<- event payload`. Type an event name and a JSON
payload to send it; its ack is printed as `ack event {...}`:

    presence:update {"status": "away"}
    chat:join {"chatId": "demo"}
    message:new {"chatId": "demo", "content": "hello", "messageType": "text"}

`help` lists a few more, `quit` or Ctrl-D leaves. Details: examples/README.md.
"""
import json
import os
import sys

try:
    import socketio
    import requests  # noqa: F401  python-socketio's sync client needs it for HTTP long-polling
    import websocket  # noqa: F401  and websocket-client for the WebSocket transport
except ImportError as missing:
    PACKAGES = {'socketio': 'python-socketio', 'requests': 'requests', 'websocket': 'websocket-client'}
    name = PACKAGES.get(missing.name, missing.name)
    sys.stderr.write(
        f'user_client.py needs {name}, which is not installed. Install the client and its transports:\n'
        '  Debian/Ubuntu:  sudo apt-get install python3-socketio python3-requests python3-websocket\n'
        '  pip:            pip install "python-socketio[client]>=5" websocket-client\n'
    )
    sys.exit(1)

ACK_TIMEOUT_S = 10
EXAMPLES = [
    'presence:update {"status": "away"}',
    'get_online_users',
    'chat:join {"chatId": "demo"}',
    'message:new {"chatId": "demo", "content": "hello", "messageType": "text"}',
    'send_message {"recipientIds": ["dev-user"], "message": "hi"}',
    'notification:get-pending',
]


def say(line):
    print(line, flush=True)


def show(value):
    return json.dumps(value, ensure_ascii=False)


def on_any(event, *args):
    # With connection-state recovery on (RECOVERY_WINDOW_MS > 0, the default) the gateway adds
    # one argument after the payload of every event it pushes: the recovery offset. Socket.IO's
    # JavaScript client keeps it to resume after a short disconnection; python-socketio does not
    # resume, so it is only shown here. This is why handlers take *args: a handler with a single
    # parameter would fail on the extra argument.
    payload = args[0] if args else None
    offset = f'   (recovery offset {args[1]})' if len(args) > 1 else ''
    say(f'<- {event} {show(payload)}{offset}')


def send(sio, line):
    event, _, rest = line.partition(' ')
    try:
        payload = json.loads(rest) if rest.strip() else {}
    except json.JSONDecodeError as err:
        say(f'not JSON: {err.msg} (write: event {{"field": "value"}})')
        return
    try:
        say(f'ack {event} {show(sio.call(event, payload, timeout=ACK_TIMEOUT_S))}')
    except socketio.exceptions.TimeoutError:
        say(f'no ack for {event} within {ACK_TIMEOUT_S} s')
    except socketio.exceptions.BadNamespaceError:
        say('not connected')


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else 'http://localhost:3000'
    token = sys.argv[2] if len(sys.argv) > 2 else os.environ.get('GATEWAY_TOKEN') or input('user token: ').strip()
    sio = socketio.Client()
    sio.on('*', on_any)
    sio.on('connect', lambda: say(f'connected to {url}'))
    sio.on('disconnect', lambda: say('disconnected'))
    # A refused handshake: the gateway's code in the message, {code, message} as data.
    sio.on('connect_error', lambda data: say(f'refused: {show(data)}'))
    try:
        sio.connect(url, auth={'token': token}, wait_timeout=ACK_TIMEOUT_S)
    except socketio.exceptions.ConnectionError as err:
        say(f'could not connect to {url}: {err}')
        return 1
    say('type an event and a JSON payload (help lists examples, quit leaves)')
    try:
        for line in sys.stdin:
            line = line.strip()
            if line in ('quit', 'exit'):
                break
            if line == 'help':
                for example in EXAMPLES:
                    say(f'  {example}')
            elif line:
                send(sio, line)
    except KeyboardInterrupt:
        pass
    finally:
        sio.disconnect()
    return 0


if __name__ == '__main__':
    sys.exit(main())
