import { userToken, useApp } from '../support/app.js';
import { connectError, connectUser } from '../support/client.js';

// docs/protocol.md §1 TRUST_PROXY (issue 9, item 3): the handshake IP is the address the trusted proxies
// appended at the right end of X-Forwarded-For, never one the client wrote further left.

const withXff = (xff: string) => ({ extraHeaders: { 'X-Forwarded-For': xff } });

describe('TRUST_PROXY=true (one proxy)', () => {
  const app = useApp({ TRUST_PROXY: 'true', RATE_LIMIT_MAX_CONNECTIONS: '5' }, { closeClients: 'each' });

  it('a client varying the left of X-Forwarded-For is still limited by the address the proxy appended', async () => {
    for (let n = 1; n <= 5; n++) {
      const socket = await connectUser(app.url, userToken(`xff-${n}`), withXff(`203.0.113.${n}, 127.0.0.10`));
      socket.close();
    }
    const refused = await connectError(app.url, userToken('xff-6'), withXff('203.0.113.6, 127.0.0.10'));
    expect(refused.data).toEqual({ code: 'RATE_LIMITED', message: expect.any(String) });
    // Another client behind the same proxy has its own budget.
    const other = await connectUser(app.url, userToken('xff-7'), withXff('127.0.0.11'));
    other.close();
  });
});

describe('TRUST_PROXY=2 (two proxies)', () => {
  const app = useApp({ TRUST_PROXY: '2', RATE_LIMIT_MAX_CONNECTIONS: '3' }, { closeClients: 'each' });

  it('takes the second address from the right: spoofed hops on its left change nothing', async () => {
    for (let n = 1; n <= 3; n++) {
      const socket = await connectUser(app.url, userToken(`hop-${n}`), withXff(`198.51.100.${n}, 192.0.2.7, 10.0.0.1`));
      socket.close();
    }
    const refused = await connectError(app.url, userToken('hop-4'), withXff('198.51.100.4, 192.0.2.7, 10.0.0.2'));
    expect(refused.data).toEqual({ code: 'RATE_LIMITED', message: expect.any(String) });
    const other = await connectUser(app.url, userToken('hop-5'), withXff('192.0.2.8, 10.0.0.1'));
    other.close();
  });
});
