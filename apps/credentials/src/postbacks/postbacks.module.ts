import { Module } from '@nestjs/common';

import { ConnectionsModule } from '../connections/connections.module';
import { SyncRequestsModule } from '../sync-requests/sync-requests.module';
import { PostbackDebounceJob } from './postback-debounce.job';
import { PostbackSecretsModule } from './postback-secrets.module';
import { PostbacksController } from './postbacks.controller';
import { PostbacksService } from './postbacks.service';

@Module({
  imports: [ConnectionsModule, SyncRequestsModule, PostbackSecretsModule],
  controllers: [PostbacksController],
  providers: [PostbacksService, PostbackDebounceJob],
})
export class PostbacksModule {}
