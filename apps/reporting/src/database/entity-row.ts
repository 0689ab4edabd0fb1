/**
 * A column's name as MikroORM's default naming strategy derives it from a property (`hasPaid` → `has_paid`,
 * `amountUsd` → `amount_usd`), so a row type can be read off an entity instead of restating its columns.
 */
export type ColumnName<Property extends string> = Property extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${ColumnName<Tail>}`
  : Property;

/**
 * What `select <alias>.<column>, …` returns for these properties of an entity, typed by the entity:
 * `EntityRow<Reward, 'amount' | 'rewardStatus'>` is `{ amount: number; reward_status: string | null }`.
 */
export type EntityRow<Entity, Properties extends keyof Entity & string> = {
  [Property in Properties as ColumnName<Property>]: Entity[Property];
};

/**
 * Columns of a left-joined entity selected as `<prefix>_<column>` (`a.name as account_name`): each may be null,
 * when nothing matched the join.
 */
export type JoinedRow<Prefix extends string, Entity, Properties extends keyof Entity & string> = {
  [Property in Properties as `${Prefix}_${ColumnName<Property>}`]: Entity[Property] | null;
};
