import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { PartnerStackClientModule } from './partnerstack-client.module';
import { PartnerStackClient } from './partnerstack.client';
import { TokenBucketPacer } from './token-bucket.pacer';

@Injectable()
class FakeSettings {
  public readonly url = 'http://127.0.0.1:9/api/v2';
}

@Module({ providers: [FakeSettings], exports: [FakeSettings] })
class SettingsModule {}

describe(PartnerStackClientModule.name, () => {
  it('provides the client built from injected settings', async () => {
    const pacer = new TokenBucketPacer(60);
    const acquire = jest.spyOn(pacer, 'acquire');
    const moduleRef = await Test.createTestingModule({
      imports: [
        PartnerStackClientModule.registerAsync({
          imports: [SettingsModule],
          inject: [FakeSettings],
          useFactory: (settings: FakeSettings) => ({ baseUrl: settings.url, pacer, maxAttempts: 1 }),
        }),
      ],
    }).compile();
    const client = moduleRef.get(PartnerStackClient);
    expect(client).toBeInstanceOf(PartnerStackClient);
    await expect(client.verifyToken('sandbox_x')).rejects.toThrow(/after 1 attempt/);
    expect(acquire).toHaveBeenCalledTimes(1);
    expect(acquire.mock.calls[0][0]).toMatch(/^[0-9a-f]{32}$/);
    await moduleRef.close();
  });
});
