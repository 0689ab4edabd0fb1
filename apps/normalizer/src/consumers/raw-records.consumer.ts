import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';

import { RAW_RECORD_KEYS, RAW_RECORDS_BATCH } from '@pp/contracts';
import { AnyMessage, BatchFailure, inBatches } from '@pp/messaging';

import { NormalizerService } from '../normalizing/normalizer.service';

@Controller()
export class RawRecordsConsumer {
  constructor(private readonly normalizer: NormalizerService) {}

  @EventPattern(RAW_RECORD_KEYS, inBatches(RAW_RECORDS_BATCH))
  public handle(messages: AnyMessage[]): Promise<BatchFailure[]> {
    return this.normalizer.applyBatch(messages);
  }
}
