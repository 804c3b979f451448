import request from 'supertest';
import { collect, connectUser, nextEvent, untyped } from '../support/client.js';
import { TEST_INTERNAL_SECRET, redisEnv, uniquePrefix, userToken, useApps } from '../support/app.js';

describe('send_message between users across nodes (docs/protocol.md §4.1)', () => {
  const [a, b] = useApps(2, () => redisEnv(uniquePrefix('dm')));

  it('splits sent and failed by live sockets on any node and delivers once per socket', async () => {
    // sent/failed report only recipients the sender may see (docs/protocol.md §4.1): here all three are friends.
    await request(a.app.getHttpServer())
      .put('/internal/users/dm-sender/friends')
      .set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`)
      .send({ friendIds: ['dm-r1', 'dm-r2', 'dm-offline'] })
      .expect(200);
    const sender = await connectUser(a.url, userToken('dm-sender'));
    const onA = await connectUser(a.url, userToken('dm-r1'));
    const onB = await connectUser(b.url, userToken('dm-r2'));
    const secondTab = await connectUser(a.url, userToken('dm-r2'));
    const seen = [collect(onA, 'message'), collect(onB, 'message'), collect(secondTab, 'message')];
    const res = await sender.timeout(5000).emitWithAck('send_message', {
      recipientIds: ['dm-r1', 'dm-r2', 'dm-offline', 'dm-r1'],
      message: 'hello',
      metadata: { source: 'internal_service', thread: 't-1' },
    });
    expect(res).toEqual({
      ok: true,
      data: { recipients: { total: 3, sent: ['dm-r1', 'dm-r2'], failed: ['dm-offline'], accepted: [] }, timestamp: expect.any(String) },
    });
    // Barrier: a second message on the same path arrives after any duplicate of the first.
    await sender.timeout(5000).emitWithAck('send_message', { recipientIds: ['dm-r1', 'dm-r2'], message: 'barrier' });
    await Promise.all(
      [onA, onB, secondTab].map(async (socket, i) => {
        while (!seen[i].some((m) => (m as { message: string }).message === 'barrier')) await nextEvent(socket, 'message');
      }),
    );
    for (const list of seen) {
      expect(list).toEqual([
        { from: 'dm-sender', message: 'hello', metadata: { thread: 't-1' }, timestamp: res.data.timestamp },
        { from: 'dm-sender', message: 'barrier', metadata: {}, timestamp: expect.any(String) },
      ]);
    }
  });

  it.each([
    [{ recipientIds: [], message: 'x' }, 'recipientIds'],
    [{ recipientIds: Array.from({ length: 101 }, (_, i) => `u${i}`), message: 'x' }, 'recipientIds'],
    [{ recipientIds: ['u'], message: 5 }, 'message'],
    [{ recipientIds: ['u'], message: 'x', metadata: [1] }, 'metadata'],
    [{ recipientIds: ['u'], message: 'x', metadata: null }, 'metadata'],
  ])('refuses %j with VALIDATION_FAILED naming %s', async (payload, field) => {
    const sender = await connectUser(b.url, userToken('dm-invalid'));
    const res = await untyped(sender).timeout(5000).emitWithAck('send_message', payload);
    expect(res.ok).toBe(false);
    expect(res.error.code).toBe('VALIDATION_FAILED');
    expect(res.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });
});
