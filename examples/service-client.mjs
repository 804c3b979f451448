// A backend service on the gateway's /internal namespace: authenticate, then send a message.
//
//   INTERNAL_SERVICES='{"billing":{"key":"billing-key-0123456789","type":"billing"}}' npm start
//   GATEWAY_URL=http://localhost:3000 SERVICE_NAME=billing SERVICE_KEY=billing-key-0123456789 \
//     node examples/service-client.mjs dev-user 'Your invoice is ready'
import { io } from 'socket.io-client';

const url = process.env.GATEWAY_URL ?? 'http://localhost:3000';
const serviceName = process.env.SERVICE_NAME ?? 'billing';
const serviceKey = process.env.SERVICE_KEY;
const [recipient = 'dev-user', message = 'Hello from a backend service'] = process.argv.slice(2);
if (!serviceKey) {
  process.stderr.write('Set SERVICE_KEY (and SERVICE_NAME, GATEWAY_URL)\n');
  process.exit(2);
}

// Default transports (long-polling, then the WebSocket upgrade): work on INTERNAL_PORT too.
const socket = io(`${url}/internal`, { auth: { serviceName, serviceKey } });

socket.on('connect_error', (err) => {
  process.stderr.write(`connect_error ${err.message}\n`);
  process.exit(1);
});

socket.on('authenticated', async (session) => {
  process.stdout.write(`authenticated as ${session.serviceName} until ${session.expiresAt}\n`);
  const ack = await socket.timeout(5000).emitWithAck('send_message', {
    recipientIds: [recipient],
    message,
    metadata: { kind: 'example' },
  });
  process.stdout.write(`${JSON.stringify(ack)}\n`);
  socket.close();
  process.exit(ack.ok ? 0 : 1);
});
