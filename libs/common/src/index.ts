export * from './describe-error';
export * from './instance-id';
export * from './sleep';
