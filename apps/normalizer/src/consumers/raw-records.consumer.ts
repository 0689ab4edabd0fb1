import { Injectable } from '@nestjs/common';

import { PARTNERSTACK_STREAMS, RawRecordKey, RawRemovedKey, RoutingKey } from '@pp/contracts';
import { AnyMessage, BatchFailure, OnMessageBatch } from '@pp/messaging';

import { RAW_RECORDS_BATCH } from '../normalizer.constants';
import { NormalizerService } from '../normalizing/normalizer.service';

/** Every raw record and removal key of every PartnerStack stream. */
export const RAW_RECORD_KEYS: RoutingKey[] = PARTNERSTACK_STREAMS.flatMap((stream) => [
  RawRecordKey(stream),
  RawRemovedKey(stream),
]);

@Injectable()
export class RawRecordsConsumer {
  constructor(private readonly normalizer: NormalizerService) {}

  @OnMessageBatch(RAW_RECORD_KEYS, RAW_RECORDS_BATCH)
  public handle(messages: AnyMessage[]): Promise<BatchFailure[]> {
    return this.normalizer.applyBatch(messages);
  }
}
