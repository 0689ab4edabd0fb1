export * from './catalogue';
export * from './envelope';
export * from './partnerstack-streams';
export * from './queues';
