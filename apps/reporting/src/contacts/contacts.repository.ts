import { Injectable } from '@nestjs/common';

import { referralsOf } from '../accounts/accounts.repository';
import { ReportingDatabase } from '../database/reporting-database.service';
import { sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { AccountRef, toReferral } from '../referrals/referrals.list';
import { ContactDetailDto } from './contact-detail.dto';
import { CONTACT_COLUMNS, CONTACT_FROM, ContactRow, toContact } from './contacts.list';

interface AccountRefRow {
  id: string;
  external_key: string;
  name: string | null;
  country_iso: string | null;
  vendor_customer_key: string | null;
}

@Injectable()
export class ContactsRepository {
  constructor(private readonly database: ReportingDatabase) {}

  public async detail(scope: TenantScope, id: string): Promise<ContactDetailDto | undefined> {
    const row = await this.database.one<ContactRow>(
      scope,
      sql`select ${CONTACT_COLUMNS}, '' as cursor_value from ${CONTACT_FROM} where ${tenant('ct')} and ct.id = ${id}::uuid`,
    );
    if (!row) return undefined;
    const referrals = (await referralsOf(this.database, scope, 'contact', [id])).map(toReferral);
    const referralAccounts = referrals.flatMap((referral) => (referral.account ? [referral.account.id] : []));
    // The client accounts (docs/reporting.md, one account across programs) of the accounts it is the contact of
    // (by e-mail, as the normalizer links them, on an indexed column) and of its referrals' accounts.
    const clients = await this.database.many<AccountRefRow>(
      scope,
      sql`select distinct c.id, c.external_key, c.name, c.country_iso, c.vendor_customer_key from ${table('account', 'a')}
 left join ${table('account_match', 'am')} on am.account_id = a.id and ${tenant('am')}
 join ${table('account', 'c')} on c.id = coalesce(am.client_account_id, a.id) and ${tenant('c')}
 where ${tenant('a')} and (a.contact_email = ${row.email} or a.id = any(${referralAccounts}::uuid[]))`,
    );
    const accounts: AccountRef[] = clients.map((account) => ({
      id: account.id,
      externalKey: account.external_key,
      name: account.name,
      countryIso: account.country_iso,
      vendorCustomerKey: account.vendor_customer_key,
    }));
    return {
      ...toContact(row),
      referrals,
      accounts: accounts.sort(
        (left, right) =>
          (left.name ?? '').localeCompare(right.name ?? '') || left.externalKey.localeCompare(right.externalKey),
      ),
    };
  }
}
