/**
 * E-mail domains shared by unrelated people, so an address there says nothing about which business it belongs to:
 * public mailbox providers, internet providers' mailboxes, relay and disposable domains, and placeholders. Account
 * matching never matches on them (an address here neither joins two customers nor contradicts a match); the one
 * place the list is kept, compared lower-cased. Not complete: a shared domain missing here makes one large client
 * account of unrelated customers (docs/normalizer.md, Account matching).
 */
export const FREE_MAIL_DOMAINS: readonly string[] = [
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'hotmail.co.uk',
  'live.com',
  'msn.com',
  'yahoo.com',
  'yahoo.co.uk',
  'ymail.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'pm.me',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  't-online.de',
  'mail.com',
  'mail.ru',
  'yandex.com',
  'yandex.ru',
  'zoho.com',
  'fastmail.com',
  'qq.com',
  '163.com',
  'hey.com',
  'tutanota.com',
  'yahoo.fr',
  'yahoo.de',
  'hotmail.fr',
  'hotmail.de',
  'outlook.de',
  'live.co.uk',
  'posteo.de',
  'mailbox.org',
  'freenet.de',
  'seznam.cz',
  'wp.pl',
  'o2.pl',
  'interia.pl',
  'rambler.ru',
  'naver.com',
  'daum.net',
  '126.com',
  'sina.com',
  'rediffmail.com',
  // Internet providers' mailboxes: one domain for all their subscribers.
  'comcast.net',
  'att.net',
  'sbcglobal.net',
  'verizon.net',
  'cox.net',
  'charter.net',
  'bellsouth.net',
  'btinternet.com',
  'sky.com',
  'virginmedia.com',
  'orange.fr',
  'wanadoo.fr',
  'free.fr',
  'sfr.fr',
  'laposte.net',
  'libero.it',
  'virgilio.it',
  'tiscali.it',
  'arcor.de',
  'bigpond.com',
  'optusnet.com.au',
  'shaw.ca',
  'rogers.com',
  'sympatico.ca',
  'telus.net',
  // Relay and disposable domains: one per platform, not per business.
  'privaterelay.appleid.com',
  'mailinator.com',
  'guerrillamail.com',
  // Reserved for documentation and tests (RFC 2606): placeholders, never a business's own.
  'example.com',
  'example.net',
  'example.org',
  // The same placeholder in other languages, as forms and test data fill it in.
  'beispiel.de',
  'exemple.fr',
  'ejemplo.es',
  'esempio.it',
  'voorbeeld.nl',
  '例え.jp',
];

/** Top-level domains reserved so that no one owns a name under them (RFC 2606, RFC 6761): never a business. */
export const RESERVED_TOP_LEVEL_DOMAINS: readonly string[] = ['example', 'test', 'invalid', 'localhost'];

const literals = FREE_MAIL_DOMAINS.map((domain) => `'${domain}'`).join(', ');
const reservedTld = `'\\.(${RESERVED_TOP_LEVEL_DOMAINS.join('|')})$'`;

/**
 * SQL for the domain an account is matched on, from an e-mail expression: the lower-cased part after the last `@`,
 * or null for a missing or malformed address, a free-mail domain or one under a reserved top-level domain. SQL
 * rather than TypeScript so the migration's backfill and the normalizer's matcher compute it where they read the
 * address.
 */
export function matchableDomainSql(email: string): string {
  const domain = `rtrim(lower(btrim(substring(${email} from '@([^@]*)$'))), '.')`;
  return `(select case when d is null or d = '' or strpos(d, '.') = 0 or d in (${literals}) or d ~ ${reservedTld}
    then null else d end
  from (select ${domain} as d) md)`;
}
