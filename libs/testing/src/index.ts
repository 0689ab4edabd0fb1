export * from './test-resources';
export * from './wait-for';
