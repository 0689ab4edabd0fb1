import { Module } from '@nestjs/common';

import { ContactsController } from './contacts.controller';
import { ContactsRepository } from './contacts.repository';

@Module({ controllers: [ContactsController], providers: [ContactsRepository] })
export class ContactsModule {}
