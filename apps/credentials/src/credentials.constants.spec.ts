import { redactPostbackSecret } from './credentials.constants';

describe(redactPostbackSecret.name, () => {
  it('hides the secret of any spelling of the postback path, and leaves other URLs alone', () => {
    const secret = 'Zm9vYmFyYmF6cXV4LXNlY3JldC12YWx1ZS0xMjM0NTY3OA';
    expect(redactPostbackSecret(`/v1/postbacks/partnerstack/${secret}`)).toBe('/v1/postbacks/partnerstack/[REDACTED]');
    expect(redactPostbackSecret(`/V1/PostBacks/PartnerStack/${secret}/?x=1`)).not.toContain(secret);
    expect(redactPostbackSecret('/v1/integrations/partnerstack/sync')).toBe('/v1/integrations/partnerstack/sync');
  });
});
