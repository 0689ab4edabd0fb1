import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { waitFor } from '@pp/testing';

import { POSTBACK_EVENTS, POSTBACK_TEST_PAYLOAD } from '../sandbox.constants';
import { PostbackService } from './postback.service';

describe(PostbackService.name, () => {
  let server: Server;
  let url: string;
  const received: unknown[] = [];
  let status = 200;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.writeHead(status).end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(() => {
    received.length = 0;
    status = 200;
  });

  it('delivers a batch in order after returning, and counts deliveries, failures and coalesced events', async () => {
    const service = new PostbackService();
    const calls = [1, 2, 3].map((n) => ({ event: POSTBACK_EVENTS.reward, data: { key: `rwrd_${n}`, created_at: n } }));
    service.enqueue('fp', url, { calls, coalesced: 7 });
    expect(received).toHaveLength(0);
    expect(service.statsFor('fp')).toMatchObject({ pending: 3, coalesced: 7 });
    await waitFor(() => service.statsFor('fp').delivered === 3, { description: 'three deliveries' });
    expect(received).toEqual(calls);
    status = 500;
    service.enqueue('fp', url, { calls: calls.slice(0, 1), coalesced: 0 });
    await waitFor(() => service.statsFor('fp').failed === 1, { description: 'a failed delivery' });
    expect(service.statsFor('fp')).toEqual({ delivered: 3, failed: 1, coalesced: 7, pending: 0 });
  });

  it('sends the documented test payload and reports a receiver that is down without throwing', async () => {
    const service = new PostbackService();
    await expect(service.sendTest(url)).resolves.toEqual({ delivered: true, status: 200, error: null });
    expect(received).toEqual([POSTBACK_TEST_PAYLOAD]);
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/secret-path`;
    await new Promise((resolve) => closed.close(resolve));
    const result = await service.sendTest(deadUrl);
    expect(result).toMatchObject({ delivered: false, status: null });
    expect(result.error).not.toContain('secret-path');
  });
});
