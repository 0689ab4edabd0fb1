/** Word lists the synthetic records are drawn from; non-ASCII on purpose, so encodings get exercised. */

export const COMPANY_NAMES = [
  'Shopwise',
  'Ledgerly',
  'Bäckerei Cloud',
  'Fjord Analytics',
  'Crème Commerce',
  'Nordlys CRM',
  'São Paulo Pay',
  'Kōbō Commerce',
  'Quillstack',
  'Brightcart',
  'Mailpigeon',
  'Zürich Invoicing',
  'Tandem Hosting',
  'Ørsted Forms',
  'Loyalty Loop',
  'Pixelpress',
  'Café Metrics',
  'Northwind Tax',
  'Sólo Scheduling',
  'Helix Helpdesk',
  'Łódź Logistics',
  'Orbit Payroll',
  'Dvořák Docs',
  'Kaizen Boards',
] as const;

export const CATEGORIES = ['ecommerce', 'marketing', 'finance', 'productivity', 'developer-tools', 'hr'] as const;

export const GROUP_NAMES = ['Agency Partners', 'Bronze', 'Silver', 'Gold', 'Platinum', 'Affiliates'] as const;

export const FIRST_NAMES = [
  'José',
  'Zoë',
  'Björn',
  'Łukasz',
  'Søren',
  'Chloé',
  'Mária',
  'Jürgen',
  'Dana',
  'Aiko',
  'Ngozi',
  'Ólafur',
  'François',
  'Priya',
  'Mateo',
  'Şebnem',
  'Li',
  'Amélie',
] as const;

export const LAST_NAMES = [
  'Müller',
  'García',
  'Nørgaard',
  'Kowalczyk',
  'Lee',
  'Øberg',
  'Dubois',
  'Yılmaz',
  'Tanaka',
  'Okafor',
  'Ström',
  'Silva',
  'Nakamura',
  'Brontë',
] as const;

export const BUSINESS_SUFFIXES = [
  'Store',
  'Studio',
  'GmbH',
  'Boutique',
  'Labs',
  'Café',
  '商店',
  'S.A.',
  'Co.',
] as const;

export const EMAIL_DOMAINS = [
  'example.com',
  'beispiel.de',
  'exemple.fr',
  'ejemplo.es',
  '例え.jp',
  'shop.example',
] as const;

/** Country and the currency its customers pay in. */
export const COUNTRIES = [
  ['US', 'USD'],
  ['US', 'USD'],
  ['US', 'USD'],
  ['CA', 'CAD'],
  ['GB', 'GBP'],
  ['DE', 'EUR'],
  ['FR', 'EUR'],
  ['ES', 'EUR'],
  ['JP', 'JPY'],
  ['BR', 'USD'],
] as const;

export const PRODUCTS = [
  ['subscription', 'pro_monthly'],
  ['subscription', 'pro_yearly'],
  ['subscription', 'starter_monthly'],
  ['one_time', 'setup_fee'],
  ['usage', 'api_credits'],
] as const;

export const ACTION_TYPES = ['signup', 'store_connected', 'trial_started', 'demo_booked', 'app_installed'] as const;

export const SUB_IDS = [
  'campaign-spring',
  'newsletter',
  'youtube',
  'blog-review',
  'partner-webinar',
  'sommer-aktion',
] as const;

export const DEAL_LOST_REASONS = ['Budget', 'Chose a competitor', 'No decision', 'Timing'] as const;

export const PAYOUT_PROVIDERS = ['paypal', 'stripe', 'wire'] as const;
