import { Controller, HttpCode, HttpStatus, Param, PayloadTooLargeException, Post, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';

import { PublicRoute } from '@pp/auth';

import { POSTBACK_MAX_BODY_BYTES } from '../credentials.constants';
import { PostbacksService } from './postbacks.service';

/**
 * Bytes the body took: the declared length, or for a chunked body (already read by the app's parser, capped at its
 * own limit) the size of what was parsed. The body is never used beyond this.
 */
function bodyBytes(request: Request): number {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared)) return declared;
  if (request.body === undefined) return 0;
  return Buffer.byteLength(typeof request.body === 'string' ? request.body : JSON.stringify(request.body));
}

/** The only route without a user JWT: the secret in the path is the credential. */
@ApiTags('postbacks')
@Controller('v1/postbacks/partnerstack')
export class PostbacksController {
  constructor(private readonly postbacks: PostbacksService) {}

  @Post(':secret')
  @PublicRoute()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      "PartnerStack's postback (actions, rewards): schedules an incremental sync of the URL's org; the body is ignored",
  })
  @ApiAcceptedResponse({ description: 'noted; a sync follows within the debounce window' })
  @ApiNotFoundResponse({ description: 'unknown or revoked postback URL' })
  @ApiPayloadTooLargeResponse({ description: `body over ${POSTBACK_MAX_BODY_BYTES} bytes` })
  @ApiTooManyRequestsResponse({ description: 'too many calls to this URL in the last minute (Retry-After)' })
  public async receive(@Param('secret') secret: string, @Req() request: Request): Promise<void> {
    if (bodyBytes(request) > POSTBACK_MAX_BODY_BYTES)
      throw new PayloadTooLargeException(`A postback body may be at most ${POSTBACK_MAX_BODY_BYTES} bytes.`);
    await this.postbacks.receive(secret);
  }
}
