import { EntityClass, ManyToOne } from '@mikro-orm/core';

/**
 * A `<target>_id` link column: our id of the target, kept as a plain uuid (`mapToPk`) so rows stay flat and the
 * property reads a string, as the normalizer's SQL and reporting's rows see it. The migrations back each with the
 * foreign key `<table>_<column>_foreign`, `on delete set null` (MikroORM's default name for it). Null until the
 * target arrives, or for good when PartnerStack never shows it.
 */
export function Link(target: () => EntityClass<object>, fieldName: string) {
  return ManyToOne({
    entity: target,
    mapToPk: true,
    nullable: true,
    fieldName,
    deleteRule: 'set null',
    updateRule: 'no action',
  });
}
