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
    const [referralRows, ownAccounts] = await Promise.all([
      referralsOf(this.database, scope, 'contact', id),
      // By e-mail, as the normalizer links an account's contact (and the column it looks up is indexed).
      this.database.many<AccountRefRow>(
        scope,
        sql`select a.id, a.external_key, a.name, a.country_iso, a.vendor_customer_key from ${table('account', 'a')}
 where ${tenant('a')} and a.contact_email = ${row.email}`,
      ),
    ]);
    const referrals = referralRows.map(toReferral);
    const accounts = new Map<string, AccountRef>();
    for (const account of ownAccounts) {
      accounts.set(account.id, {
        id: account.id,
        externalKey: account.external_key,
        name: account.name,
        countryIso: account.country_iso,
        vendorCustomerKey: account.vendor_customer_key,
      });
    }
    for (const referral of referrals) if (referral.account) accounts.set(referral.account.id, referral.account);
    return {
      ...toContact(row),
      referrals,
      accounts: [...accounts.values()].sort(
        (left, right) =>
          (left.name ?? '').localeCompare(right.name ?? '') || left.externalKey.localeCompare(right.externalKey),
      ),
    };
  }
}
