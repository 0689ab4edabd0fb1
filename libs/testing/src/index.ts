export * from './test-resources';
export * from './wait-for';
export * from './processes';
