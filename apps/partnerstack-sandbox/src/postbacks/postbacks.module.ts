import { Module } from '@nestjs/common';

import { PostbackService } from './postback.service';

/** Outgoing postbacks to test receivers (partnerstack-api.md §5, §11). */
@Module({ providers: [PostbackService], exports: [PostbackService] })
export class PostbacksModule {}
