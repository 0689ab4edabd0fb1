import { randomBytes } from 'node:crypto';

import { INestApplicationContext, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { MessagingModule } from '@pp/messaging';
import { createTestVhost, waitFor } from '@pp/testing';
import {
  DEVELOPMENT_TOKEN_HANDOFF_KEY,
  TokenHandoffClient,
  TokenHandoffModule,
  TokenHandoffServerModule,
  TokenHandoffTransientError,
  TokenResolution,
  TokenUnavailableError,
} from '@pp/token-handoff';

const TOKEN = `sandbox_${randomBytes(12).toString('hex')}`;

const resolutions: Record<string, TokenResolution> = {
  'org_a/conn_live': { status: 'available', token: TOKEN },
  'org_a/conn_gone': { status: 'unavailable', reason: 'disconnected' },
};

async function startApp(module: unknown): Promise<INestApplicationContext> {
  const ref = await Test.createTestingModule({ imports: [module as never] }).compile();
  const app = ref.createNestApplication({ logger: false });
  await app.init();
  return app;
}

function messaging(url: string, serviceName: string) {
  return MessagingModule.forRootAsync({ useFactory: () => ({ url, serviceName }) });
}

describe('token hand-off over RabbitMQ', () => {
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  const apps: INestApplicationContext[] = [];

  async function client(key: string, timeoutMs = 3_000): Promise<TokenHandoffClient> {
    @Module({
      imports: [
        messaging(vhost.url, 'sync'),
        TokenHandoffModule.forRootAsync({ useFactory: () => ({ key, timeoutMs }) }),
      ],
    })
    class SyncSideModule {}
    const app = await startApp(SyncSideModule);
    apps.push(app);
    return app.get(TokenHandoffClient);
  }

  async function startServer(): Promise<void> {
    @Module({
      imports: [
        messaging(vhost.url, 'credentials'),
        TokenHandoffServerModule.forRootAsync({
          useFactory: () => ({
            key: DEVELOPMENT_TOKEN_HANDOFF_KEY,
            resolver: {
              resolve: async ({ tenantId, connectionId }) =>
                resolutions[`${tenantId}/${connectionId}`] ?? { status: 'unavailable', reason: 'unknown' },
            },
          }),
        }),
      ],
    })
    class CredentialsSideModule {}
    apps.push(await startApp(CredentialsSideModule));
  }

  beforeAll(async () => {
    vhost = await createTestVhost('pp_handoff');
  });

  afterAll(async () => {
    for (const app of apps.reverse()) await app?.close();
    await vhost.drop();
  });

  it('fails fast with a transient error while no credentials service listens', async () => {
    const sync = await client(DEVELOPMENT_TOKEN_HANDOFF_KEY, 5_000);
    const started = Date.now();
    const error = await sync.fetchToken({ tenantId: 'org_a', connectionId: 'conn_live' }).catch((caught) => caught);
    expect(error).toBeInstanceOf(TokenHandoffTransientError);
    expect(Date.now() - started).toBeLessThan(5_500);
  });

  it('hands the token over with the right key and says why when there is none', async () => {
    await startServer();
    const sync = await client(DEVELOPMENT_TOKEN_HANDOFF_KEY);
    const token = await waitFor(
      () => sync.fetchToken({ tenantId: 'org_a', connectionId: 'conn_live' }).catch(() => undefined),
      { description: 'the credentials side to answer' },
    );
    expect(token).toBe(TOKEN);

    await expect(sync.fetchToken({ tenantId: 'org_a', connectionId: 'conn_gone' })).rejects.toMatchObject({
      name: TokenUnavailableError.name,
      reason: 'disconnected',
    });
    await expect(sync.fetchToken({ tenantId: 'org_b', connectionId: 'conn_live' })).rejects.toMatchObject({
      name: TokenUnavailableError.name,
      reason: 'unknown',
    });
    const many = await Promise.all(
      Array.from({ length: 20 }, () => sync.fetchToken({ tenantId: 'org_a', connectionId: 'conn_live' })),
    );
    expect(new Set(many)).toEqual(new Set([TOKEN]));
  });

  it('refuses a client holding another key', async () => {
    const intruder = await client(randomBytes(32).toString('base64'));
    const error = await intruder.fetchToken({ tenantId: 'org_a', connectionId: 'conn_live' }).catch((caught) => caught);
    expect(error).toBeInstanceOf(TokenHandoffTransientError);
    expect((error as Error).message).toContain('TOKEN_HANDOFF_KEY');
    expect((error as Error).message).not.toContain(TOKEN);
  });
});
