import { Module } from '@nestjs/common';

import { ChangesController } from './changes.controller';
import { ChangesRepository } from './changes.repository';

@Module({ controllers: [ChangesController], providers: [ChangesRepository] })
export class ChangesModule {}
