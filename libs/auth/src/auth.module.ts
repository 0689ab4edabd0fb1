import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';

import { JwtAuthGuard } from './auth.guard';
import { JwtStrategy } from './jwt.strategy';

/** Import once per HTTP app: every route then needs a valid user JWT unless marked @PublicRoute(). */
@Module({
  imports: [PassportModule],
  providers: [JwtStrategy, { provide: APP_GUARD, useClass: JwtAuthGuard }],
})
export class AuthModule {}
