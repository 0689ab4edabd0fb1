import { ServiceOptions } from '@pp/observability';

export const REPORTING_OPEN_API: NonNullable<ServiceOptions['openApi']> = {
  title: 'Partner Partner reporting',
  description:
    "The agency's PartnerStack data for the web frontend: programs, referrals, revenue, rewards, payouts, " +
    'missed rewards and sync history. Every route needs a user JWT and reads only the org in it. Lists take ' +
    '`limit` and an opaque `cursor` and answer CSV with `Accept: text/csv`.',
  bearerAuth: true,
};
