import { MessageHandler } from '@nestjs/microservices';
import { of } from 'rxjs';

import { inBatches, routeHandlers } from './events-transport';
import { MessagingWiringError } from './errors';
import { ConsumerQueueOptions } from './messaging.options';

const QUEUES: ConsumerQueueOptions[] = [
  { queue: 'q.events', bindings: ['sync.requested', 'normalized.changed'] },
  { queue: 'q.batches', bindings: ['sync.run.started', 'sync.run.finished'] },
];

function handler(result: unknown, extras: object = {}): MessageHandler {
  return Object.assign(async () => result, { extras, isEventHandler: true }) as unknown as MessageHandler;
}

describe(routeHandlers.name, () => {
  it('routes each bound key to its handler and lets the keys of one decorator share a batch', async () => {
    const batch = inBatches({ maxSize: 5, maxWaitMs: 50 });
    const routes = routeHandlers(
      QUEUES,
      new Map([
        ['sync.requested', handler(of('observed'))],
        ['normalized.changed', handler('plain')],
        ['sync.run.started', handler([], batch)],
        ['sync.run.finished', handler([], batch)],
      ]),
    );
    expect(await routes.get('sync.requested')!.single!({} as never)).toBe('observed');
    expect(await routes.get('normalized.changed')!.single!({} as never)).toBe('plain');
    expect(routes.get('sync.run.started')!.batch).toBe(routes.get('sync.run.finished')!.batch);
    expect(routes.get('sync.run.started')!.queue.queue).toBe('q.batches');
  });

  it('names every wiring problem at once', () => {
    const twice = Object.assign(handler(undefined), { next: handler(undefined) });
    const wiring = () =>
      routeHandlers(
        [...QUEUES, { queue: 'q.other', bindings: ['sync.requested', 'not.a.key' as never] }],
        new Map([
          ['sync.requested', handler(undefined)],
          ['normalized.changed', twice],
          ['sync.job', handler(undefined)],
        ]),
      );
    expect(wiring).toThrow(MessagingWiringError);
    expect(wiring).toThrow(/'not.a.key', which is not in the message catalogue/);
    expect(wiring).toThrow(/routing key 'sync.requested' is bound to both 'q.events' and 'q.other'/);
    expect(wiring).toThrow(/routing key 'normalized.changed' has 2 handlers/);
    expect(wiring).toThrow(/a handler takes 'sync.job', but no queue of this service binds it/);
    expect(wiring).toThrow(/routing key 'sync.run.started' \(queue 'q.batches'\) has no handler/);
  });
});
